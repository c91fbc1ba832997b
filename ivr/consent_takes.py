"""Consent by keypad and the recordings (takes) made under it: kept, re-recorded or discarded, then registered."""

import logging

from flask import current_app
from sqlalchemy import select

from audio import recording_pipeline
from audio.models import Lesson
from core import queue
from core.db import db, utcnow
from ivr import call_records, jobs, prompt_editing
from ivr.models import (
    Call,
    Consent,
    RecordingTake,
)

log = logging.getLogger(__name__)


def record_consent(call: Call, kind: str, lesson_id: int | None, prompt, key: str, choice: str) -> Consent:
    """Store what the caller was asked, in the words they heard, and the key they pressed.

    The same answer on the same call, not yet used for a recording, is the one returned: a replayed
    key press makes no new row, and a new recording after a kept one still gets its own consent.
    """
    unused = _unused_consent(call, kind, lesson_id, key)
    if unused is not None:
        return unused
    language = call_records.call_language(call).code
    consent = Consent(
        call_sid=call.call_sid,
        contact_id=call.contact_id,
        kind=kind,
        lesson_id=lesson_id,
        prompt_id=prompt.id,
        prompt_version=prompt_editing.prompt_version(prompt.id, language),
        prompt_text=prompt_editing.prompt_words(prompt.id, language),
        language_code=language,
        key=key,
        choice=choice,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def _unused_consent(call: Call, kind: str, lesson_id: int | None, key: str) -> Consent | None:
    taken = select(RecordingTake.id).where(RecordingTake.consent_id == Consent.id).exists()
    query = select(Consent).filter_by(call_sid=call.call_sid, kind=kind, lesson_id=lesson_id, key=key)
    return db.session.scalar(query.where(~taken).order_by(Consent.id.desc()).limit(1))


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
        take = call_records.insert_once(RecordingTake, {"recording_sid": form["RecordingSid"]}, fields)
    take.recording_url = take.recording_url or form.get("RecordingUrl", "")
    duration = form.get("RecordingDuration", "")
    limit = int(current_app.config["MAX_RECORDING_SECONDS"]) + 1  # <Record maxLength>, rounded up by Twilio
    if duration.isdigit() and int(duration) <= limit:  # a larger one is forged: not trusted
        take.duration_seconds = float(duration)
    return take


def recording_status(consent_id: int, form) -> None:
    """Handle a recording status callback: note the take, then phone_registration.register it if it is kept and complete."""
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
        take.decision = decision
        take.decided_at = utcnow()
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
        take.decision = RecordingTake.KEPT
        take.decided_at = utcnow()
        db.session.commit()
    if take.twilio_status != RecordingTake.COMPLETED:
        return
    if take.decision == RecordingTake.KEPT and take.recording_id is None:
        take.recording_id = _register(take).id
        db.session.commit()
    elif take.decision == RecordingTake.DISCARDED and take.deleted_at is None:
        queue.enqueue_now("default", jobs.delete_discarded_take, take.id)


def _call_ended(call_sid: str) -> bool:
    call = db.session.scalar(select(Call).filter_by(call_sid=call_sid))
    return call is not None and call.ended


def _register(take: RecordingTake):
    consent = take.consent
    lesson = db.session.get(Lesson, consent.lesson_id) if consent.lesson_id else None
    recording, _ = recording_pipeline.register_recording(
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
