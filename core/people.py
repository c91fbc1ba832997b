"""The contact directory: phone validation, export and opt-out (CSV import: core.contact_import)."""

import hashlib
import hmac

import phonenumbers
from flask import current_app
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core import csv_export
from core.db import db, rows_changed, utcnow
from core.models import (
    Contact,
    District,
    ErasedOptOut,
    GramPanchayat,
    NumberReveal,
    StaffUser,
    SuppressionEvent,
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
        db.session.add(
            SuppressionEvent(
                contact_id=contact.id, action=SuppressionEvent.OPT_OUT, source=source, staff_id=staff_id
            )
        )


def opt_in(contact: Contact, source: str, staff_id: int | None = None) -> None:
    """Allow calls and messages again after an opt-out; the caller commits."""
    if contact.opted_out_at is not None:
        contact.opted_out_at = None
        db.session.add(
            SuppressionEvent(
                contact_id=contact.id, action=SuppressionEvent.OPT_IN, source=source, staff_id=staff_id
            )
        )


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
    events = rows_changed(delete(SuppressionEvent).filter_by(contact_id=contact_id))
    report = [f"contact row deleted, with {events} opt-out event(s)"]
    reveals = rows_changed(
        update(NumberReveal).where(NumberReveal.contact_id == contact_id).values(contact_id=None)
    )
    report.append(f"{reveals} record(s) of staff shown the number kept without the link to the person")
    if keep_opt_out:
        db.session.merge(ErasedOptOut(fingerprint=opt_out_fingerprint(contact.phone)))
        report.append("opt-out kept as a keyed fingerprint of the number (the number is not kept)")
    contact.topics = []
    db.session.delete(contact)
    db.session.flush()
    return report


def recent_reveals(contact_id: int, limit: int = 10) -> list[NumberReveal]:
    """The latest times staff were shown this contact's full number, newest first."""
    query = (
        select(NumberReveal)
        .where(NumberReveal.contact_id == contact_id)
        .order_by(NumberReveal.created_at.desc(), NumberReveal.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def opt_out_fingerprint(phone: str) -> str:
    """A keyed digest of a number: recognises it again without storing it (changes with SECRET_KEY)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"erased-opt-out:" + phone.encode(), hashlib.sha256).hexdigest()


@event.listens_for(Contact, "after_insert")
def _keep_an_erased_opt_out(mapper, connection, contact: Contact) -> None:
    """A number that opted out before its erasure comes back opted out, however it comes back."""
    fingerprint = opt_out_fingerprint(contact.phone)
    found = rows_changed(delete(ErasedOptOut).filter_by(fingerprint=fingerprint), connection)
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


def export_contacts() -> str:
    """Every contact as CSV in the import format (full numbers: admins only)."""
    contacts = db.session.scalars(select(Contact).order_by(Contact.id))
    return csv_export.csv_text([*CSV_COLUMNS, "opted_out"], (_export_row(contact) for contact in contacts))


def _export_row(contact: Contact) -> list:
    district = contact.district
    gp = db.session.get(GramPanchayat, contact.gram_panchayat_id) if contact.gram_panchayat_id else None
    return [
        contact.phone,
        contact.name,
        contact.role,
        contact.language_code or "",
        district.state.name if district else "",
        district.name if district else "",
        contact.block.name if contact.block else "",
        gp.name if gp else "",
        ";".join(t.slug for t in contact.topics),
        "yes" if contact.opted_out_at else "",
    ]


def districts_visible_to(user: StaffUser) -> list[District]:
    """The districts a staff member may choose or see, by name: an officer's own, everyone else's all."""
    allowed = user.district_ids()
    query = select(District).order_by(District.name)
    if allowed is not None:
        query = query.where(District.id.in_(allowed or {-1}))
    return list(db.session.scalars(query))
