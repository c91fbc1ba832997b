"""Erasing a person everywhere: the one place that spans packages (each package erases its own part)."""

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from audio import jobs as audio_jobs
from audio import voice_erasure
from audio.models import Recording
from campaigns import erasure as campaign_erasure
from core import contact_import, people, queue, sandbox
from core.db import checkpoint, db, utcnow
from core.models import Contact, SuppressionEvent
from ivr import jobs, simulated_numbers, sms_spool
from ivr.models import (
    Call,
    Callback,
    Consent,
    Erasure,
    Feedback,
    LessonProgress,
    ListenEvent,
    ListenSession,
    MeetingListen,
    RecordingTake,
    SmsMessage,
    TriedIt,
)
from learning import erasure as learning_erasure
from transcription import erasure as transcription_erasure
from transcription import jobs as transcription_jobs

log = logging.getLogger(__name__)


# Jobs whose first argument is a recording id (their hashes in Redis name the person's recordings).
RECORDING_JOBS = (audio_jobs.fetch_recording, transcription_jobs.transcribe_recording)


REDIS_STATE_PATTERN = "chaupal:*"  # our own keys (simulator calls...) that may hold a number


ERASURE_RETRY_AFTER = timedelta(minutes=10)


def request_erasure(contact: Contact, source: str, staff_id: int | None = None) -> Erasure:
    """Record the request and stop all calls and messages now; the erasure job runs after commit.

    A request already pending for the contact is the one returned: a replayed key press adds nothing.
    """
    pending = db.session.scalar(select(Erasure).filter_by(contact_id=contact.id, status=Erasure.PENDING))
    if pending is not None:
        return pending
    if source == Erasure.BY_CALLER and simulated_numbers.owner_of(contact.phone):
        source, staff_id = Erasure.BY_SIMULATOR, simulated_numbers.owner_of(contact.phone)
    erasure = _new_erasure(contact, source, staff_id)
    queue.enqueue_after_commit("default", jobs.erase_contact, erasure.id)
    return erasure


def erase_now(contact: Contact, source: str, staff_id: int | None = None) -> Erasure:
    """Record the request and erase at once (staff page, command line); returns it with its report.

    If a step fails the erasure stays pending with the reason (already logged), and a job tries again.
    """
    erasure = _new_erasure(contact, source, staff_id)
    db.session.commit()
    erasure_id = erasure.id
    try:
        return run_erasure(erasure_id)
    except Exception:  # recorded on the row by run_erasure; the person must not wait for a staff retry
        queue.enqueue_now("default", jobs.erase_contact, erasure_id)
        return db.session.get(Erasure, erasure_id)


def _new_erasure(contact: Contact, source: str, staff_id: int | None) -> Erasure:
    by = {Erasure.BY_CALLER: SuppressionEvent.IVR, Erasure.BY_SIMULATOR: SuppressionEvent.SIMULATOR}.get(
        source, SuppressionEvent.STAFF
    )
    keeps_opt_out = contact.opted_out_at is not None
    people.opt_out(contact, by, staff_id)
    erasure = Erasure(contact_id=contact.id, source=source, staff_id=staff_id, keeps_opt_out=keeps_opt_out)
    db.session.add(erasure)
    db.session.flush()
    log.info("erasure %s requested (%s) for contact %s", erasure.id, source, contact.id)
    return erasure


def run_erasure(erasure_id: int) -> Erasure | None:
    """Carry out a pending erasure; safe to run again (after a failure, or twice by RQ)."""
    erasure = db.session.get(Erasure, erasure_id)
    if erasure is None or erasure.status != Erasure.PENDING:
        return erasure
    try:
        lines = erase_contact(erasure.contact_id, erasure.keeps_opt_out)
    except Exception as error:
        db.session.rollback()
        erasure.reason = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        log.error("erasure %s failed, will be retried: %s", erasure.id, erasure.reason)
        raise
    erasure.status = Erasure.DONE
    erasure.report = "\n".join(lines)
    erasure.reason = ""
    erasure.finished_at = utcnow()
    db.session.commit()
    log.info("erasure %s done: %s", erasure.id, "; ".join(lines))
    return erasure


def erase_contact(contact_id: int, keep_opt_out: bool = False) -> list[str]:
    """Delete or pseudonymise every trace of a person; returns what was removed (counts only)."""
    contact = db.session.get(Contact, contact_id)
    phone = contact.phone if contact else None
    recording_sids = _twilio_recording_sids(contact_id)
    job_references = _job_references(contact_id)
    call_sids = list(db.session.scalars(select(Call.call_sid).filter_by(contact_id=contact_id)))
    lines = _erase_in_other_packages(contact_id)
    lines += _erase_phone_line_rows(contact_id)
    lines += sandbox.erase_number(phone, call_sids) if phone else []
    lines += people.delete_contact(contact_id, keep_opt_out)
    db.session.commit()
    return lines + _erase_outside_database(phone, recording_sids, job_references)


def _erase_in_other_packages(contact_id: int) -> list[str]:
    """Each package's part, as report lines (counts only), uncommitted: transcripts before their recordings."""
    return (
        transcription_erasure.erase_contact(contact_id)
        + campaign_erasure.erase_contact(contact_id)
        + learning_erasure.erase_contact(contact_id)
        + voice_erasure.erase_contact_audio(contact_id)
    )


def _twilio_recording_sids(contact_id: int) -> set[str]:
    """Recordings of this person that may still exist at Twilio: registered ones and undeleted takes."""
    registered = select(Recording.recording_sid).where(
        Recording.contact_id == contact_id, Recording.recording_sid.is_not(None)
    )
    takes = (
        select(RecordingTake.recording_sid)
        .join(Consent, Consent.id == RecordingTake.consent_id)
        .where(Consent.contact_id == contact_id, RecordingTake.deleted_at.is_(None))
    )
    return set(db.session.scalars(registered)) | set(db.session.scalars(takes))


def _job_references(contact_id: int) -> set[tuple[str, int]]:
    recording_ids = db.session.scalars(select(Recording.id).filter_by(contact_id=contact_id)).all()
    callback_ids = db.session.scalars(select(Callback.id).filter_by(contact_id=contact_id)).all()
    return {(job, rid) for job in RECORDING_JOBS for rid in recording_ids} | {
        (jobs.place_callback, cid) for cid in callback_ids
    }


def _erase_phone_line_rows(contact_id: int) -> list[str]:
    """Delete the person's own rows; unlink the call and listening logs kept for counts."""
    takes = select(RecordingTake.id).join(Consent).where(Consent.contact_id == contact_id)
    deleted = {
        "recording take(s)": db.session.execute(delete(RecordingTake).where(RecordingTake.id.in_(takes))),
        "consent record(s)": db.session.execute(delete(Consent).filter_by(contact_id=contact_id)),
        "lesson progress row(s)": db.session.execute(delete(LessonProgress).filter_by(contact_id=contact_id)),
        "callback(s)": db.session.execute(delete(Callback).filter_by(contact_id=contact_id)),
        "text message(s)": db.session.execute(delete(SmsMessage).filter_by(contact_id=contact_id)),
    }
    unlinked = {
        "call(s)": _unlink(Call, contact_id),
        "listening event(s)": _unlink(ListenEvent, contact_id),
        "listening summar(ies)": _unlink(ListenSession, contact_id),
        "feedback answer(s)": _unlink(Feedback, contact_id),
        '"I tried this" answer(s)': _unlink(TriedIt, contact_id),
        "village meeting listen(s)": _unlink(MeetingListen, contact_id),
    }
    return [f"{result.rowcount} {what} deleted" for what, result in deleted.items()] + [
        f"{count} {what} kept for statistics without any link to the person"
        for what, count in unlinked.items()
    ]


def _unlink(model, contact_id: int) -> int:
    return db.session.execute(update(model).filter_by(contact_id=contact_id).values(contact_id=None)).rowcount


def _erase_outside_database(phone: str | None, recording_sids: set[str], job_references: set) -> list[str]:
    """Twilio's copies (a job per recording SID), job data in Redis and our own Redis state."""
    for recording_sid in sorted(recording_sids):
        queue.enqueue_now("default", jobs.delete_twilio_recording, recording_sid, result_ttl=0)
    purged = queue.purge_jobs(job_references)
    state = _purge_redis_state(phone) if phone else 0
    spooled = sms_spool.forget_number(phone) if phone else 0
    imports = contact_import.forget_number(phone) if phone else 0
    return [
        f"{len(recording_sids)} recording(s) queued for deletion at Twilio",
        f"{purged} queued or finished job(s) about them removed from Redis",
        f"{state} other Redis entr(ies) holding the number removed",
        f"{spooled} text message(s) waiting in the spool removed",
        f"{imports} contact upload(s) or import report(s) quoting the number removed",
        # Deleted is not gone while the storage's own history holds it: Redis's AOF, SQLite's WAL.
        queue.rewrite_persistence(),
        checkpoint(),
    ]


def _purge_redis_state(phone: str) -> int:
    """Delete our own Redis keys (simulator calls...) whose value holds the number."""
    connection = queue.redis_connection()
    needle = phone.encode()
    doomed = [
        key
        for key in connection.scan_iter(match=REDIS_STATE_PATTERN, count=500)
        if connection.type(key) == b"string" and needle in (connection.get(key) or b"")
    ]
    if doomed:
        connection.delete(*doomed)
    return len(doomed)


def sweep_erasures(now=None) -> list[int]:
    """Enqueue erasures still pending a while after they were asked for (a lost job, Redis down)."""
    cutoff = (now or utcnow()) - ERASURE_RETRY_AFTER
    query = select(Erasure.id).where(Erasure.status == Erasure.PENDING, Erasure.created_at < cutoff)
    pending = list(db.session.scalars(query))
    for erasure_id in pending:
        queue.enqueue_now("default", jobs.erase_contact, erasure_id)
    return pending
