"""Who a campaign reaches: a filter stored as data, turned into one query; uploaded number lists.

Filter keys (all optional, combined with AND): roles, state_ids, district_ids, block_ids,
gram_panchayat_ids, languages, topic_ids, not_called_days, not_finished_lesson_id, use_list.
Opted-out contacts are always excluded, and an officer's campaign never leaves its districts.
"""

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from flask import current_app
from flask_babel import gettext
from sqlalchemy import Select, func, select, union_all

from audio.models import Recording
from campaigns.models import Campaign, CampaignListMember, Delivery
from campaigns.schedule import now
from core.db import db
from core.logs import mask_phone
from core.models import Contact, contact_topics
from core.params import whole_number

LIST_FIELDS = (
    "roles",
    "state_ids",
    "district_ids",
    "block_ids",
    "gram_panchayat_ids",
    "languages",
    "topic_ids",
)
MAX_UPLOAD_ROWS = 50_000
MAX_DAYS = 3650  # "not called in 10 years" already means "never called": a larger count overflows dates


# Engagement sources are pluggable, so call and listening logs kept by the phone line can join in.
# A call-activity source returns SELECT (contact_id, at) rows: moments a contact was on a call with us.
# A lesson-completion source takes a lesson id and returns SELECT (contact_id) of those who heard it all.
CALL_ACTIVITY_SOURCES: list[Callable[[], Select]] = []
LESSON_COMPLETION_SOURCES: list[Callable[[int], Select]] = []


def register_call_activity(source: Callable[[], Select]) -> None:
    """Add a source of (contact_id, at) call moments to the 'not called in N days' filter."""
    if source not in CALL_ACTIVITY_SOURCES:
        CALL_ACTIVITY_SOURCES.append(source)


def register_lesson_completion(source: Callable[[int], Select]) -> None:
    """Add a source of contact ids who finished a lesson to the 'did not finish lesson X' filter."""
    if source not in LESSON_COMPLETION_SOURCES:
        LESSON_COMPLETION_SOURCES.append(source)


def _answered_broadcasts() -> Select:
    return select(Delivery.contact_id, Delivery.answered_at.label("at")).where(
        Delivery.answered_at.is_not(None)
    )


def _recorded_on_a_call() -> Select:
    return select(Recording.contact_id, Recording.created_at.label("at")).where(
        Recording.contact_id.is_not(None)
    )


def _listened_through_broadcast(lesson_id: int) -> Select:
    return (
        select(Delivery.contact_id)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Campaign.lesson_id == lesson_id, Delivery.listened_at.is_not(None))
    )


def register_own_sources() -> None:
    """Broadcasts answered and recordings made count as activity; broadcasts heard count as completion."""
    register_call_activity(_answered_broadcasts)
    register_call_activity(_recorded_on_a_call)
    register_lesson_completion(_listened_through_broadcast)


def contact_query(
    filters: dict, scope_district_ids: set[int] | None, campaign_id: int | None = None
) -> Select:
    """SELECT Contact rows matching the filter inside the scope, never an opted-out one."""
    query = select(Contact).where(Contact.opted_out_at.is_(None))
    if scope_district_ids is not None:
        query = query.where(Contact.district_id.in_(scope_district_ids or {-1}))
    columns = {
        "roles": Contact.role,
        "state_ids": Contact.state_id,
        "district_ids": Contact.district_id,
        "block_ids": Contact.block_id,
        "gram_panchayat_ids": Contact.gram_panchayat_id,
        "languages": Contact.language_code,
    }
    for key, column in columns.items():
        if filters.get(key):
            query = query.where(column.in_(filters[key]))
    if filters.get("topic_ids"):
        interested = select(contact_topics.c.contact_id).where(
            contact_topics.c.topic_id.in_(filters["topic_ids"])
        )
        query = query.where(Contact.id.in_(interested))
    return _engagement(query, filters, campaign_id)


def _engagement(query: Select, filters: dict, campaign_id: int | None) -> Select:
    if filters.get("not_called_days"):
        cutoff = now() - timedelta(
            days=min(int(filters["not_called_days"]), MAX_DAYS)
        )  # saved before the cap
        activity = union_all(*(source() for source in CALL_ACTIVITY_SOURCES)).subquery()
        recent = select(activity.c.contact_id).where(activity.c.at >= cutoff)
        query = query.where(Contact.id.not_in(recent))
    if filters.get("not_finished_lesson_id"):
        lesson_id = int(filters["not_finished_lesson_id"])
        finished = union_all(*(source(lesson_id) for source in LESSON_COMPLETION_SOURCES))
        query = query.where(Contact.id.not_in(select(finished.subquery().c.contact_id)))
    if filters.get("use_list"):
        members = select(CampaignListMember.contact_id).where(CampaignListMember.campaign_id == campaign_id)
        query = query.where(Contact.id.in_(members))
    return query


def campaign_scope(campaign: Campaign) -> set[int] | None:
    """District ids the campaign may reach: its districts, or None (everywhere) when it has none."""
    return {d.id for d in campaign.districts} or None


def campaign_contacts(campaign: Campaign) -> list[Contact]:
    """Everyone the campaign reaches right now, in a stable order."""
    query = contact_query(campaign.filters, campaign_scope(campaign), campaign.id).order_by(Contact.id)
    return list(db.session.scalars(query))


def count(filters: dict, scope_district_ids: set[int] | None, campaign_id: int | None = None) -> dict:
    """Live preview: how many the filter reaches, and how many opted-out contacts are in scope (left out)."""
    query = contact_query(filters, scope_district_ids, campaign_id)
    reached = db.session.scalar(select(func.count()).select_from(query.subquery()))
    opted = select(func.count()).select_from(Contact).where(Contact.opted_out_at.is_not(None))
    if scope_district_ids is not None:
        opted = opted.where(Contact.district_id.in_(scope_district_ids or {-1}))
    return {"count": reached, "opted_out": db.session.scalar(opted)}


def clean_filters(form: dict) -> dict:
    """A filter dict from submitted values: integer ids, known roles and languages only."""
    filters = {}
    for key in LIST_FIELDS:
        values = [v for v in form.get(key, []) if str(v).strip()]
        if key.endswith("_ids"):
            values = [number for v in values if (number := whole_number(v)) is not None]
        elif key == "roles":
            values = [v for v in values if v in Contact.ROLES]
        if values:
            filters[key] = values
    for key in ("not_called_days", "not_finished_lesson_id"):
        value = whole_number(str(form.get(key) or "").strip())
        if value:
            filters[key] = min(value, MAX_DAYS) if key == "not_called_days" else value
    if form.get("use_list"):
        filters["use_list"] = True
    return filters


@dataclass
class UploadReport:
    added: int = 0
    created: int = 0
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = gettext(
            "%(added)s numbers in the list (%(created)s new contacts)", added=self.added, created=self.created
        )
        return [head, *self.errors]


def parse_number(raw: str, region: str = "IN") -> str:
    """A valid number in E.164, or ValueError saying why not."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        raise ValueError(gettext("not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(gettext("not a valid number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def import_list(campaign: Campaign, text: str) -> UploadReport:
    """Replace the campaign's list with the valid numbers in a CSV (first column); report bad rows."""
    report, contact_ids = UploadReport(), set()
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text)), MAX_UPLOAD_ROWS))
    except csv.Error:  # a field over the parser's 131,072 characters, a NUL byte...
        report.errors.append(
            gettext("The file is not a CSV this page can read (a field is too long, or it is not text).")
        )
        return report
    scope = campaign_scope(campaign)
    for line, row in enumerate(rows, start=1):
        raw = row[0].strip() if row else ""
        if not raw or (line == 1 and not any(ch.isdigit() for ch in raw)):
            continue  # blank line or header
        try:
            contact = _contact_for(parse_number(raw), campaign, scope, report)
        except ValueError as error:
            report.errors.append(
                gettext(
                    "line %(line)s: %(number)s: %(problem)s", line=line, number=mask_phone(raw), problem=error
                )
            )
            continue
        contact_ids.add(contact.id)
    _replace_members(campaign, contact_ids)
    report.added = len(contact_ids)
    return report


def _contact_for(phone: str, campaign: Campaign, scope: set[int] | None, report: UploadReport) -> Contact:
    contact = db.session.scalar(select(Contact).filter_by(phone=phone))
    if contact is None:
        district_id = min(scope) if scope else None
        contact = Contact(
            phone=phone,
            created_by=Contact.STAFF_ADDED,
            district_id=district_id,
            language_code=current_app.config["DEFAULT_LANGUAGE"],
        )
        db.session.add(contact)
        db.session.flush()
        report.created += 1
    elif scope is not None and contact.district_id not in scope:
        raise ValueError(gettext("belongs to a district outside this campaign"))
    return contact


def _replace_members(campaign: Campaign, contact_ids: set[int]) -> None:
    db.session.query(CampaignListMember).filter_by(campaign_id=campaign.id).delete()
    db.session.add_all(CampaignListMember(campaign_id=campaign.id, contact_id=cid) for cid in contact_ids)
