"""Jobs of the core plumbing: plain functions taking ids, run by RQ workers."""

from flask_babel import force_locale

from core import contact_import


def import_contacts(
    upload_id: str, dry_run: bool, district_ids: list[int] | None = None, language: str = "en"
) -> None:
    """Check (and unless a dry run, write) an uploaded contact CSV; its report is kept for the page.

    district_ids: the officer's districts, which every row must name (None: an admin, any place).
    language: the uploader's page language, which the report's lines are written in.
    """
    with force_locale(language):
        contact_import.run_upload(upload_id, dry_run, district_ids)
