"""Jobs of the core plumbing: plain functions taking ids, run by RQ workers."""

from core import contact_import


def import_contacts(upload_id: str, dry_run: bool) -> None:
    """Check (and unless a dry run, write) an uploaded contact CSV; its report is kept for the page."""
    contact_import.run_upload(upload_id, dry_run)
