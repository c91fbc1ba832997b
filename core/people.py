"""The contact directory: phone validation, all-or-nothing CSV import, export and opt-out."""

import csv
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from typing import TextIO

import phonenumbers
from flask import current_app
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core.db import db, utcnow
from core.models import (
    Block,
    Contact,
    District,
    ErasedOptOut,
    GramPanchayat,
    Language,
    State,
    SuppressionEvent,
    Topic,
)

CSV_COLUMNS = ("phone", "name", "role", "language", "state", "district", "block", "gram_panchayat", "topics")
DEFAULT_REGION = "IN"


class InvalidPhoneError(ValueError):
    """A phone number that is not a valid, dialable number."""


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number, or InvalidPhoneError saying why not."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneError("phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneError(f"'{text}' is not a phone number ({error})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(f"'{text}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_contact(phone: str) -> Contact | None:
    """The contact with this number (any common spelling of it), or None."""
    try:
        phone = normalise_phone(phone)
    except InvalidPhoneError:
        return None
    return db.session.scalar(select(Contact).filter_by(phone=phone))


def opt_out(contact: Contact, source: str, staff_id: int | None = None) -> None:
    """Stop every call and message to the contact; the caller commits."""
    if contact.opted_out_at is None:
        contact.opted_out_at = utcnow()
        db.session.add(SuppressionEvent(contact_id=contact.id, action=SuppressionEvent.OPT_OUT,
                                        source=source, staff_id=staff_id))  # fmt: skip


def opt_in(contact: Contact, source: str, staff_id: int | None = None) -> None:
    """Allow calls and messages again after an opt-out; the caller commits."""
    if contact.opted_out_at is not None:
        contact.opted_out_at = None
        db.session.add(SuppressionEvent(contact_id=contact.id, action=SuppressionEvent.OPT_IN,
                                        source=source, staff_id=staff_id))  # fmt: skip


def save_contact(values: dict, contact: Contact | None = None, created_by: str = Contact.IMPORTED) -> Contact:
    """Create (no contact given) or update a contact from checked values; the caller commits."""
    if contact is None:
        contact = Contact(phone=values["phone"], created_by=created_by)
        db.session.add(contact)
    for name, value in values.items():
        setattr(contact, name, value)
    return contact


def may_contact(contact_id: int) -> bool:
    """True unless the contact is gone or opted out: ask at send time, not earlier."""
    contact = db.session.get(Contact, contact_id)
    return contact is not None and contact.opted_out_at is None


def delete_contact(contact_id: int, keep_opt_out: bool = False) -> list[str]:
    """Delete a contact with their topics and opt-out history (erasure); report lines; the caller commits.

    keep_opt_out leaves a keyed fingerprint of the number, so it comes back opted out if it ever returns.
    """
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        return ["contact row: already gone"]
    events = db.session.execute(delete(SuppressionEvent).filter_by(contact_id=contact_id)).rowcount
    report = [f"contact row deleted, with {events} opt-out event(s)"]
    if keep_opt_out:
        db.session.merge(ErasedOptOut(fingerprint=opt_out_fingerprint(contact.phone)))
        report.append("opt-out kept as a keyed fingerprint of the number (the number is not kept)")
    contact.topics = []
    db.session.delete(contact)
    db.session.flush()
    return report


def opt_out_fingerprint(phone: str) -> str:
    """A keyed digest of a number: recognises it again without storing it (changes with SECRET_KEY)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"erased-opt-out:" + phone.encode(), hashlib.sha256).hexdigest()


@event.listens_for(Contact, "after_insert")
def _keep_an_erased_opt_out(mapper, connection, contact: Contact) -> None:
    """A number that opted out before its erasure comes back opted out, however it comes back."""
    fingerprint = opt_out_fingerprint(contact.phone)
    found = connection.execute(delete(ErasedOptOut).filter_by(fingerprint=fingerprint)).rowcount
    if not found or contact.opted_out_at is not None:
        return
    now = utcnow()
    connection.execute(update(Contact).where(Contact.id == contact.id).values(opted_out_at=now))
    connection.execute(
        insert(SuppressionEvent).values(
            contact_id=contact.id,
            action=SuppressionEvent.OPT_OUT,
            source=SuppressionEvent.ERASED,
            created_at=now,
        )
    )
    set_committed_value(contact, "opted_out_at", now)


def visible_contacts(district_ids: set[int] | None, search: str = ""):
    """A query of the contacts a staff member may see (None = every district)."""
    query = select(Contact).order_by(Contact.created_at.desc())
    if district_ids is not None:
        query = query.where(Contact.district_id.in_(district_ids or {-1}))
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Contact.name.ilike(like) | Contact.phone.like(like.replace(" ", "")))
    return query


# --- CSV import: every row is checked before anything is written ---


@dataclass
class ContactImport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A readable report: each bad row, or what was (or would be) imported."""
        if self.errors:
            return [
                *self.errors,
                f"{len(self.errors)} problem(s) in {self.rows} row(s): nothing was imported.",
            ]
        verb = "would be" if self.dry_run else "were"
        return [
            f"{self.created} new and {self.updated} existing contact(s) {verb} imported from {self.rows} row(s)."
        ]


def import_contacts(file: TextIO, dry_run: bool = False) -> ContactImport:
    """Import contacts from CSV all-or-nothing; the report names every bad row."""
    report = ContactImport(dry_run=dry_run)
    reader = csv.DictReader(file)
    missing = {"phone"} - set(reader.fieldnames or [])
    if missing:
        report.errors.append("header: the file needs at least a 'phone' column")
        return report
    seen: dict[str, int] = {}
    parsed = []
    for line, row in enumerate(reader, start=2):
        report.rows += 1
        problems, values = _parse_row(row)
        if values and values["phone"] in seen:
            problems.append(f"duplicate of line {seen[values['phone']]}")
        if problems:
            report.errors.append(f"line {line}: {'; '.join(problems)}")
        else:
            seen[values["phone"]] = line
            parsed.append(values)
    if not report.errors:
        _apply(parsed, report)
    if report.errors or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _parse_row(row: dict) -> tuple[list[str], dict | None]:
    cell = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
    problems = []
    try:
        phone = normalise_phone(cell["phone"])
    except InvalidPhoneError as error:
        problems.append(str(error))
        phone = None
    role = cell["role"].lower() or Contact.OTHER
    if role not in Contact.ROLES:
        problems.append(f"role '{cell['role']}' is not one of {', '.join(Contact.ROLES)}")
    places, place_problem = _resolve_places(cell)
    language = cell["language"].lower() or None
    if language and db.session.get(Language, language) is None:
        problems.append(f"language '{cell['language']}' is not known")
    topics, topic_problem = _resolve_topics(cell["topics"])
    problems += [p for p in (place_problem, topic_problem) if p]
    values = {"phone": phone, "name": cell["name"], "role": role, "language_code": language, **places}
    return problems, ({**values, "topics": topics} if phone else None)


def _resolve_places(cell: dict) -> tuple[dict, str | None]:
    places: dict = {}
    chain = (("state", State, None), ("district", District, "state_id"),
             ("block", Block, "district_id"), ("gram_panchayat", GramPanchayat, "block_id"))  # fmt: skip
    parent_id = None
    for column, model, parent_column in chain:
        if not cell[column]:
            break
        query = select(model).where(func.lower(model.name) == cell[column].lower())
        if parent_column:
            query = query.where(getattr(model, parent_column) == parent_id)
        place = db.session.scalar(query)
        if place is None:
            return places, f"{column.replace('_', ' ')} '{cell[column]}' is not known here"
        places[f"{column}_id"] = parent_id = place.id
    return places, None


def _resolve_topics(text: str) -> tuple[list[Topic], str | None]:
    slugs = [s.strip().lower() for s in text.replace(",", ";").split(";") if s.strip()]
    topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs)))) if slugs else []
    unknown = set(slugs) - {t.slug for t in topics}
    return topics, (f"unknown topic(s): {', '.join(sorted(unknown))}" if unknown else None)


def _apply(rows: list[dict], report: ContactImport) -> None:
    for values in rows:
        contact = db.session.scalar(select(Contact).filter_by(phone=values["phone"]))
        if contact is None:
            contact = Contact(created_by=Contact.IMPORTED, phone=values["phone"])
            db.session.add(contact)
            report.created += 1
        else:
            report.updated += 1
        for name, value in values.items():
            if value not in (None, "", []):
                setattr(contact, name, value)


def export_contacts() -> str:
    """Every contact as CSV in the import format (full numbers: admins only)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, "opted_out"])
    for contact in db.session.scalars(select(Contact).order_by(Contact.id)):
        writer.writerow(_export_row(contact))
    return out.getvalue()


def _export_row(contact: Contact) -> list:
    district = contact.district
    gp = db.session.get(GramPanchayat, contact.gram_panchayat_id) if contact.gram_panchayat_id else None
    return [
        contact.phone, contact.name, contact.role, contact.language_code or "",
        district.state.name if district else "", district.name if district else "",
        contact.block.name if contact.block else "", gp.name if gp else "",
        ";".join(t.slug for t in contact.topics), "yes" if contact.opted_out_at else "",
    ]  # fmt: skip
