"""Calls and callers: the call row per CallSid, the caller's contact and language, status callbacks."""

import hashlib
import re
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from campaigns import audience as campaign_audience
from core import kept_rows
from core.db import db, utcnow
from core.models import Contact, Language
from ivr import consent_takes
from ivr.models import (
    Call,
    LessonProgress,
    RecordingTake,
)


def _called_the_line() -> Select:
    return select(Call.contact_id, Call.started_at.label("at")).where(Call.contact_id.is_not(None))


def _finished_on_the_line(lesson_id: int) -> Select:
    return select(LessonProgress.contact_id).where(
        LessonProgress.lesson_id == lesson_id, LessonProgress.completed_at.is_not(None)
    )


def register_engagement_sources() -> None:
    """Campaign audiences ("not called in N days", "did not finish lesson X") count what happens on the line."""
    campaign_audience.register_call_activity(_called_the_line)
    campaign_audience.register_lesson_completion(_finished_on_the_line)


E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def caller_number(form) -> str | None:
    """The caller's E.164 number (To on calls we placed), or None when withheld or not a phone."""
    outbound = form.get("Direction", "inbound").startswith("outbound")
    number = (form.get("To") if outbound else form.get("From")) or ""
    return number if E164.match(number) else None


def request_key() -> str | None:
    """One webhook request, the same across Twilio's retries of it: its URL (key URLs carry a nonce
    new at each rendering, ivr.flow.key_url) and the key pressed. None outside a request."""
    if not has_request_context():
        return None
    query = request.environ.get("QUERY_STRING", "")
    heard = f"{request.path}?{query}|{request.form.get('Digits', '')}"
    return hashlib.sha1(heard.encode()).hexdigest()


def open_call(form) -> Call:
    """The Call row for this CallSid, created (with its caller's Contact) on first sight."""
    # The caller's contact comes with the call (one read of the caller): most steps look at it.
    found = select(Call).filter_by(call_sid=form["CallSid"]).options(joinedload(Call.contact))
    call = db.session.scalar(found)
    if call is not None:
        return call
    contact = contact_for(caller_number(form))
    direction = Call.OUTBOUND if form.get("Direction", "").startswith("outbound") else Call.INBOUND
    language = contact.language_code if contact and _language_active(contact.language_code) else None
    fields = {
        "contact_id": contact.id if contact else None,
        "direction": direction,
        "language_code": language,
    }
    return insert_once(Call, {"call_sid": form["CallSid"]}, fields)


def contact_for(phone: str | None) -> Contact | None:
    if phone is None:
        return None
    found = db.session.scalar(select(Contact).filter_by(phone=phone))
    return found or insert_once(Contact, {"phone": phone}, {"created_by": Contact.SELF_REGISTERED})


def insert_once(model, key: dict, fields: dict):
    """Insert a row unless a concurrent request (a Twilio retry) inserted the same key first."""
    row = model(**key, **fields)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = db.session.scalar(select(model).filter_by(**key))
    return row


def _language_active(code: str | None) -> bool:
    language = db.session.get(Language, code) if code else None
    return bool(language and language.active)


def active_languages() -> list[Language]:
    """Languages offered on the phone, in keypad order."""
    return list(db.session.scalars(select(Language).filter_by(active=True).order_by(Language.menu_digit)))


@dataclass(frozen=True)
class SpokenLanguage:
    """What a call step needs of a language: a plain copy, kept per process (see call_language)."""

    code: str
    name: str
    native_name: str
    say_language: str
    say_voice: str
    menu_digit: int


def call_language(call: Call) -> SpokenLanguage:
    """The language to speak on this call: the caller's choice, else DEFAULT_LANGUAGE.

    Every step asks, several times: the languages are kept per process (core.kept_rows), not read.
    """
    code = call.language_code or current_app.config["DEFAULT_LANGUAGE"]
    known = kept_rows.kept("spoken_languages", (Language.__tablename__,), _spoken_languages)
    return known.get(code) or known[""]


def _spoken_languages() -> dict[str, SpokenLanguage]:
    """Every language by code, and under "" the first one offered (for a code that is not there)."""
    rows = db.session.scalars(select(Language).order_by(Language.menu_digit))
    known = {
        row.code: SpokenLanguage(
            row.code, row.name, row.native_name, row.say_language, row.say_voice, row.menu_digit
        )
        for row in rows
    }
    first_active = next((row for row in active_languages()), None)
    if first_active is not None:
        known[""] = known[first_active.code]
    return known


def set_language(call: Call, code: str) -> None:
    """Use this language for the rest of the call and remember it for the caller's next calls."""
    call.language_code = code
    if call.contact is not None:
        call.contact.language_code = code


def apply_status(form) -> Call:
    """Apply a call status callback; statuses never move backwards; an ended call settles its takes."""
    call = open_call(form)
    status = form.get("CallStatus", "")
    if Call.RANK.get(status, -1) <= Call.RANK.get(call.status, -1):
        return call
    call.status = status
    if call.ended:
        call.ended_at = utcnow()
        duration = form.get("CallDuration", "")
        call.duration_seconds = int(duration) if duration.isdigit() else None
    db.session.commit()
    if call.ended:
        for take_id in db.session.scalars(select(RecordingTake.id).filter_by(call_sid=call.call_sid)):
            consent_takes.settle_take(take_id)
    return call


def previous_call_at(call: Call):
    """When this caller's previous call started (None on a first call)."""
    if call.contact_id is None:
        return None
    query = select(func.max(Call.started_at)).where(Call.contact_id == call.contact_id, Call.id != call.id)
    return db.session.scalar(query)
