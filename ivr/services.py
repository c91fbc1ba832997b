"""Phone-line operations: call records, callers, callbacks, listening, feedback, consent, recordings."""

import logging
import re

from flask import current_app
from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError

from audio import services as audio
from audio.models import Lesson, LessonTrack, Recording
from core import people, queue
from core.db import db, utcnow
from core.logs import mask_phone
from core.models import Contact, Language, SuppressionEvent
from ivr import prompts
from ivr.models import Call, Callback, Consent, Feedback, LessonProgress, ListenEvent, RecordingTake

log = logging.getLogger(__name__)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


# --- calls and callers ---


def caller_number(form) -> str | None:
    """The caller's E.164 number (To on calls we placed), or None when withheld or not a phone."""
    outbound = form.get("Direction", "inbound").startswith("outbound")
    number = (form.get("To") if outbound else form.get("From")) or ""
    return number if E164.match(number) else None


def open_call(form) -> Call:
    """The Call row for this CallSid, created (with its caller's Contact) on first sight."""
    call = db.session.scalar(select(Call).filter_by(call_sid=form["CallSid"]))
    if call is not None:
        return call
    contact = _contact_for(caller_number(form))
    direction = Call.OUTBOUND if form.get("Direction", "").startswith("outbound") else Call.INBOUND
    language = contact.language_code if contact and _language_active(contact.language_code) else None
    fields = {
        "contact_id": contact.id if contact else None,
        "direction": direction,
        "language_code": language,
    }
    return _insert_once(Call, {"call_sid": form["CallSid"]}, fields)


def _contact_for(phone: str | None) -> Contact | None:
    if phone is None:
        return None
    found = db.session.scalar(select(Contact).filter_by(phone=phone))
    return found or _insert_once(Contact, {"phone": phone}, {"created_by": Contact.SELF_REGISTERED})


def _insert_once(model, key: dict, fields: dict):
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


def call_language(call: Call) -> Language:
    """The language to speak on this call: the caller's choice, else DEFAULT_LANGUAGE."""
    code = call.language_code or current_app.config["DEFAULT_LANGUAGE"]
    return db.session.get(Language, code) or active_languages()[0]


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
            settle_take(take_id)
    return call


# --- missed-call mode ---


def wants_callback(call: Call) -> bool:
    """True for an inbound call from a missed-call-mode caller who has not opted out."""
    contact = call.contact
    return bool(
        call.direction == Call.INBOUND and contact and contact.missed_call_mode and not contact.opted_out_at
    )


def request_callback(call: Call) -> Callback:
    """Record the missed call once and enqueue the call back (after commit)."""
    existing = db.session.scalar(select(Callback).filter_by(missed_call_sid=call.call_sid))
    if existing is not None:
        return existing
    callback = Callback(contact_id=call.contact_id, missed_call_sid=call.call_sid)
    db.session.add(callback)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Callback).filter_by(missed_call_sid=call.call_sid))
    queue.enqueue_after_commit("default", "ivr.jobs.place_callback", callback.id)
    db.session.commit()
    return callback


# --- listening ---


def log_listen(call: Call, lesson_id: int, position: int, event: str) -> None:
    """Store one segment event for listen-through analytics."""
    db.session.add(
        ListenEvent(
            call_id=call.id,
            contact_id=call.contact_id,
            lesson_id=lesson_id,
            segment_position=position,
            event=event,
        )
    )


def save_progress(
    call: Call, lesson_id: int, position: int, topic_id: int | None, done: bool = False
) -> None:
    """Remember the next segment to play (or that the lesson is finished) for this caller."""
    if call.contact_id is None:
        return
    progress = db.session.scalar(
        select(LessonProgress).filter_by(contact_id=call.contact_id, lesson_id=lesson_id)
    )
    if progress is None:
        progress = LessonProgress(contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(progress)
    progress.position, progress.topic_id = position, topic_id
    progress.completed_at = utcnow() if done else None


def unfinished_lesson(call: Call) -> tuple[LessonProgress, Lesson, str] | None:
    """The latest unfinished lesson still published in the call's language: (progress, lesson, title)."""
    if call.contact_id is None:
        return None
    track_here = (LessonTrack.lesson_id == Lesson.id) & (
        LessonTrack.language_code == call_language(call).code
    )
    query = (
        select(LessonProgress, Lesson, LessonTrack.title)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(LessonTrack, track_here)
        .where(LessonProgress.contact_id == call.contact_id, LessonProgress.completed_at.is_(None))
        .where(Lesson.status == Lesson.PUBLISHED)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc())
        .limit(1)
    )
    row = db.session.execute(query).first()
    return tuple(row) if row else None


def record_feedback(call: Call, lesson_id: int, useful: bool) -> None:
    """Store (or change) this call's verdict on a lesson."""
    feedback = db.session.scalar(select(Feedback).filter_by(call_id=call.id, lesson_id=lesson_id))
    if feedback is None:
        feedback = Feedback(call_id=call.id, contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(feedback)
    feedback.useful = useful


# --- consent and recordings ---


def record_consent(call: Call, kind: str, lesson_id: int | None, prompt, key: str, choice: str) -> Consent:
    """Store what the caller was asked, in the words they heard, and the key they pressed."""
    language = call_language(call).code
    consent = Consent(
        call_sid=call.call_sid,
        contact_id=call.contact_id,
        kind=kind,
        lesson_id=lesson_id,
        prompt_id=prompt.id,
        prompt_version=prompt.version,
        prompt_text=prompt.text.get(language) or prompt.text["en"],
        language_code=language,
        key=key,
        choice=choice,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def consent_for(call: Call, consent_id: int | None) -> Consent | None:
    """The consent given on this call with that id; None if absent, declined or from another call."""
    consent = db.session.get(Consent, consent_id) if consent_id else None
    if consent is None or consent.call_sid != call.call_sid or not consent.given:
        return None
    return consent


def take_for(call: Call, take_id: int | None) -> RecordingTake | None:
    """The recording take of this call with that id, or None."""
    take = db.session.get(RecordingTake, take_id) if take_id else None
    return take if take is not None and take.call_sid == call.call_sid else None


def note_take(consent: Consent, form) -> RecordingTake:
    """Create or update the take Twilio reports (from <Record action> or the recording status callback)."""
    take = db.session.scalar(select(RecordingTake).filter_by(recording_sid=form["RecordingSid"]))
    if take is None:
        fields = {"call_sid": consent.call_sid, "consent_id": consent.id}
        take = _insert_once(RecordingTake, {"recording_sid": form["RecordingSid"]}, fields)
    take.recording_url = take.recording_url or form.get("RecordingUrl", "")
    duration = form.get("RecordingDuration", "")
    if duration.isdigit():
        take.duration_seconds = float(duration)
    return take


def recording_status(consent_id: int, form) -> None:
    """Handle a recording status callback: note the take, then register it if it is kept and complete."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.call_sid != form.get("CallSid"):
        log.warning("recording status for unknown consent %s ignored", consent_id)
        return
    take = note_take(consent, form)
    if take.twilio_status != RecordingTake.COMPLETED:
        take.twilio_status = form.get("RecordingStatus", "")
    db.session.commit()
    settle_take(take.id)


def decide_take(take: RecordingTake, decision: str) -> None:
    """The caller keeps or discards a take; the first decision stands (retried webhooks change nothing)."""
    if take.decision == RecordingTake.PENDING:
        take.decision, take.decided_at = decision, utcnow()
        db.session.commit()
    settle_take(take.id)


def settle_take(take_id: int) -> None:
    """Bring a take to its end state; safe to call any number of times, in any order of events.

    The caller's choice and Twilio's "completed" callback arrive in either order, on any web
    worker. Each writer commits its own fact first and then calls this, so whichever comes last
    sees both. A take still undecided when the call has ended is kept: the caller consented and
    hung up, and nothing they chose to say is lost. A discarded take never becomes a Recording.
    """
    take = db.session.get(RecordingTake, take_id)
    if take.decision == RecordingTake.PENDING and _call_ended(take.call_sid):
        take.decision, take.decided_at = RecordingTake.KEPT, utcnow()
        db.session.commit()
    if take.twilio_status != RecordingTake.COMPLETED:
        return
    if take.decision == RecordingTake.KEPT and take.recording_id is None:
        take.recording_id = _register(take).id
        db.session.commit()
    elif take.decision == RecordingTake.DISCARDED and take.deleted_at is None:
        queue.enqueue_now("default", "ivr.jobs.delete_discarded_take", take.id)


def _call_ended(call_sid: str) -> bool:
    call = db.session.scalar(select(Call).filter_by(call_sid=call_sid))
    return call is not None and call.ended


def _register(take: RecordingTake):
    consent = take.consent
    lesson = db.session.get(Lesson, consent.lesson_id) if consent.lesson_id else None
    recording, _ = audio.register_recording(
        take.recording_sid,
        call_sid=take.call_sid,
        contact_id=consent.contact_id,
        kind=consent.kind,
        consent=consent.choice,
        language_code=consent.language_code,
        topic_id=lesson.topic_id if lesson else None,
        lesson_id=lesson.id if lesson else None,
        source_url=take.recording_url,
        reported_seconds=take.duration_seconds,
    )
    return recording


# --- stop calls and messages ---


def opt_out(contact: Contact) -> None:
    """Stop every call and message to this person, from the phone menu (checked at send time)."""
    if contact.opted_out_at is None:
        log.info("contact %s opted out by phone", mask_phone(contact.phone))
    people.opt_out(contact, SuppressionEvent.IVR)


def opt_in(contact: Contact) -> None:
    """Start calls and messages again for someone who had stopped them, from the phone menu."""
    people.opt_in(contact, SuppressionEvent.IVR)


# --- prompts for admins ---


def prompt_table() -> list[dict]:
    """Every prompt with, per active language, its words and whether recorded audio replaces them."""
    languages = active_languages()
    rows = []
    for prompt in prompts.PROMPTS.values():
        cells = {
            lang.code: {
                "text": prompt.text.get(lang.code, ""),
                "audio": bool(audio.prompt_audio_url(prompt.id, lang.code)),
            }
            for lang in languages
        }
        rows.append({"prompt": prompt, "cells": cells})
    return rows


def story_listeners() -> dict[int, int]:
    """Distinct callers who started each peer story, not counting its own teller: {lesson id: listeners}."""
    teller = select(Recording.contact_id).where(Recording.id == Lesson.source_recording_id).scalar_subquery()
    query = (
        select(ListenEvent.lesson_id, func.count(distinct(ListenEvent.contact_id)))
        .join(Lesson, Lesson.id == ListenEvent.lesson_id)
        .where(Lesson.kind == Lesson.STORY, ListenEvent.event == ListenEvent.START)
        .where(ListenEvent.contact_id.is_not(None), ListenEvent.contact_id.is_distinct_from(teller))
        .group_by(ListenEvent.lesson_id)
    )
    return dict(db.session.execute(query).all())
