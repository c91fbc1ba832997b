"""RQ entry points of the phone line: callbacks, Twilio deletions, erasure, retention, listening milestones
and the listening summaries of the analytics pages."""

import logging

from flask import current_app

from core import queue, twilio
from core.config import retention_days
from core.db import db, utcnow
from core.logs import mask_phone
from core.models import Contact
from ivr import (
    call_log_retention,
    contact_erasure,
    listening,
    listening_summaries,
    reactions,
    sms,
    sms_spool,
)
from ivr.models import Callback, RecordingTake
from transcription import recognition

log = logging.getLogger(__name__)


def place_callback(callback_id: int) -> None:
    """Call back a missed caller; at most once, so nobody is rung twice for one missed call."""
    callback = db.session.get(Callback, callback_id)
    if callback is None or callback.status != Callback.PENDING:
        return
    contact = db.session.get(Contact, callback.contact_id)
    if contact is None or contact.opted_out_at:
        _finish(callback, Callback.SKIPPED, "the caller has opted out or was removed")
        return
    callback.status = Callback.PLACING  # a re-run after a crash mid-request will not dial again
    db.session.commit()
    try:
        sent = twilio.place_call(
            contact.phone, twilio.public_url("/ivr/voice"), status_callback=twilio.public_url("/ivr/status")
        )
    except twilio.TwilioError as error:
        _failed(callback, contact, error)
        return
    callback.call_sid = sent.sid
    _finish(callback, Callback.PLACED, "")


def _failed(callback: Callback, contact: Contact, error: twilio.TwilioError) -> None:
    log.warning("callback %s to %s failed: %s", callback.id, mask_phone(contact.phone), error)
    if error.permanent:
        _finish(callback, Callback.FAILED, str(error))
        return
    callback.status = Callback.PENDING
    callback.reason = str(error)
    db.session.commit()
    raise error  # RQ's retry tries again; the row is pending once more


def _finish(callback: Callback, status: str, reason: str) -> None:
    callback.status = status
    callback.reason = reason
    if status == Callback.PLACED:
        callback.placed_at = utcnow()
    db.session.commit()


def delete_discarded_take(take_id: int) -> None:
    """Delete at Twilio a take the caller threw away, so the voice is not kept anywhere."""
    take = db.session.get(RecordingTake, take_id)
    if take is None or take.decision != RecordingTake.DISCARDED or take.deleted_at is not None:
        return
    twilio.delete_recording(take.recording_sid)
    take.deleted_at = utcnow()
    db.session.commit()


def send_listen_milestones() -> int:
    """Weekly: count each published story's distinct listeners and let curators' recognition thank its teller."""
    listeners = listening.story_listeners()
    queued = recognition.record_listeners(listeners)
    queued += recognition.record_reactions(reactions.useful_per_story(), reactions.tried_per_story())
    return len(queued)


def erase_contact(erasure_id: int) -> None:
    """Carry out a pending erasure request (from the phone menu, or retried after a failure)."""
    contact_erasure.run_erasure(erasure_id)


def delete_twilio_recording(recording_sid: str) -> None:
    """Delete Twilio's copy of an erased person's recording (by SID: no number, no audio in the job)."""
    twilio.delete_recording(recording_sid)


def sweep_erasures() -> int:
    """Enqueue erasures still pending after their job was lost or failed."""
    pending = contact_erasure.sweep_erasures()
    if pending:
        log.warning("re-enqueued %d pending erasure(s): %s", len(pending), pending)
    return len(pending)


def enforce_retention() -> dict:
    """Unlink call, listening and feedback logs past RETENTION_DAYS_CALL_LOGS; delete old texts and callbacks.

    Transcripts follow RETENTION_DAYS_TRANSCRIPTS in the transcription package's own periodic job.
    """
    counts = call_log_retention.expire_call_logs(
        retention_days(current_app.config, "RETENTION_DAYS_CALL_LOGS")
    )
    log.info("retention: call logs %s", counts or "kept (RETENTION_DAYS_CALL_LOGS=0)")
    return counts


def refresh_analytics() -> dict[str, int]:
    """Bring the summaries the analytics pages read (listening, first calls) up to date."""
    counts = listening_summaries.refresh_summaries()
    log.info("analytics: summaries refreshed %s", counts)
    return counts


# `chaupal cron` enqueues these once per interval, however many cron processes run.
def apply_spooled_sms() -> None:
    """Apply the text messages the webhook kept aside while the database was unavailable."""
    applied = sms_spool.apply_all(sms.receive_spooled)
    if applied:
        log.info("applied %s spooled text message(s)", applied)


PERIODIC = [
    queue.Periodic(apply_spooled_sms, every_seconds=60),
    queue.Periodic(refresh_analytics, every_seconds=300),
    queue.Periodic(sweep_erasures, every_seconds=600),
    queue.Periodic(enforce_retention, every_seconds=24 * 3600),
    queue.Periodic(send_listen_milestones, every_seconds=7 * 24 * 3600),
]
