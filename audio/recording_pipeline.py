"""Callers' recordings: registered from Twilio's callback, fetched, checked, converted, swept when stuck."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from pydub import AudioSegment
from rq import Retry
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from audio import convert, fetch, jobs, store
from audio.models import Recording
from core import queue
from core.db import db, utcnow

log = logging.getLogger(__name__)


# Twilio answers 404 for a few seconds after the call; then back off in case it is slower.
FETCH_RETRY_INTERVALS = [5, 15, 30, 60, 120, 300]


MIN_RECORDING_SECONDS = 1.0


PENDING_DEADLINE = timedelta(minutes=5)  # longer than a healthy queue ever takes to start a fetch


DOWNLOADING_DEADLINE = timedelta(minutes=20)  # longer than every retry interval together


MAX_FETCH_ATTEMPTS = 12


def register_recording(recording_sid: str, **fields) -> tuple[Recording, bool]:
    """Get or create the row for a Twilio recording; a new row's download is enqueued after commit."""
    existing = db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))
    if existing is not None:
        return existing, False
    recording = Recording(recording_sid=recording_sid, status=Recording.PENDING, **fields)
    db.session.add(recording)
    try:
        db.session.flush()
    except IntegrityError:
        # The same callback delivered twice at once: the other request created the row.
        db.session.rollback()
        return db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid)), False
    enqueue_fetch(recording.id)
    db.session.commit()
    return recording, True


def add_local_recording(path: Path, **fields) -> Recording:
    """A recording that did not come through Twilio (the demo's stories): stored and processed at once."""
    recording = Recording(status=Recording.DOWNLOADING, **fields)
    db.session.add(recording)
    db.session.flush()
    recording.original_key = recording_key(recording.id, "original")
    store.write_file(recording.original_key, path)
    return process_recording(recording)


def enqueue_fetch(recording_id: int) -> None:
    """Enqueue the recording's download after the transaction commits, retried with backoff."""
    retry = Retry(max=len(FETCH_RETRY_INTERVALS), interval=FETCH_RETRY_INTERVALS)
    queue.enqueue_after_commit("audio", jobs.fetch_recording, recording_id, retry=retry)


def recording_key(recording_id: int, name: str) -> str:
    """Deterministic store key of one of a recording's files, so a re-run overwrites, never duplicates."""
    return f"recordings/{recording_id}/{name}.wav"


def max_recording_seconds() -> float:
    """Callers' recordings are kept up to this length."""
    return float(current_app.config["MAX_RECORDING_SECONDS"])


def fetch_recording(recording_id: int, final_attempt: bool = True) -> Recording | None:
    """Download, check and convert a recording; a finished or missing row is left alone."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.status in (Recording.READY, Recording.FAILED):
        return recording
    recording.status = Recording.DOWNLOADING
    recording.attempts = recording.attempts + 1
    db.session.commit()
    remove_leftovers(recording.id)
    try:
        keep_original(recording)
    except fetch.DownloadRefusedError as error:
        return fail(recording, Recording.DOWNLOAD_REFUSED, str(error))
    except fetch.DownloadPermanentError as error:
        return fail(recording, Recording.DOWNLOAD_FAILED, str(error))
    except fetch.DownloadNotReadyError as error:
        if final_attempt:
            fail(recording, Recording.DOWNLOAD_FAILED, str(error))
        raise
    return process_recording(recording)


def remove_leftovers(recording_id: int) -> None:
    """Delete the scratch folders and half-written files an earlier attempt left when it was killed."""
    store.remove_orphaned_scratch()
    store.remove_orphaned_writes(f"recordings/{recording_id}/")


def keep_original(recording: Recording) -> None:
    """Store the downloaded bytes untouched under the recording's original key (once)."""
    key = recording_key(recording.id, "original")
    if recording.original_key == key and store.exists(key):
        return
    cap = int(max_recording_seconds() * 4 * 16000) + 4096  # four times the longest 8 kHz 16-bit recording
    with store.scratch_dir() as folder:
        path = folder / "original.wav"
        capped = fetch.download(recording.source_url, path, cap)
        store.write_file(key, path)
    recording.original_key = key
    if capped:
        recording.flags = add_flag(recording.flags, Recording.TOO_LONG)
    db.session.commit()


def add_flag(flags: str, flag: str) -> str:
    """The comma-separated flags with one more (no duplicates)."""
    names = [name for name in flags.split(",") if name]
    return ",".join(names if flag in names else [*names, flag])


@dataclass
class Examined:
    """What a recording turned out to be: usable audio with flags, or a failure reason."""

    audio: AudioSegment | None
    reason: str = ""
    detail: str = ""
    flags: list[str] = field(default_factory=list)


def examine_audio(path: Path, max_seconds: float, reported_seconds: float | None = None) -> Examined:
    """Decode a caller's file within limits and classify it with a reason code."""
    if path.stat().st_size == 0:
        return Examined(None, Recording.EMPTY, "the file has no bytes")
    try:
        decoded = convert.decode(path, max_seconds)
    except convert.NotAudioError as error:
        return Examined(None, Recording.NOT_AUDIO, str(error))
    except convert.DecodeTimeoutError as error:
        return Examined(None, Recording.DECODE_TIMEOUT, str(error))
    except convert.DecodeError as error:
        return Examined(None, Recording.DECODE_FAILED, str(error))
    return classify(decoded, plausible_seconds(reported_seconds, max_seconds))


def plausible_seconds(reported: float | None, max_seconds: float) -> float | None:
    """A reported duration, or None when no <Record> could have lasted that long (a forged callback)."""
    if reported is None or not 0 <= reported <= max_seconds + 1:  # Twilio rounds to whole seconds
        return None
    return reported


def classify(decoded: convert.Decoded, reported_seconds: float | None) -> Examined:
    """Reason code for decoded audio that cannot be used, else the flags it deserves."""
    seconds = decoded.audio.duration_seconds
    if seconds == 0:
        return Examined(None, Recording.EMPTY, "the file holds no audio samples")
    if seconds < MIN_RECORDING_SECONDS:
        return Examined(None, Recording.TOO_SHORT, f"{seconds:.2f} s of audio")
    if convert.is_silent(decoded.audio):
        return Examined(None, Recording.SILENCE, f"{seconds:.1f} s below {convert.SILENCE_DBFS:g} dBFS")
    flags = [Recording.TOO_LONG] if decoded.capped else []
    # Twilio reports whole seconds; a second of slack avoids flagging rounding.
    cut_short = reported_seconds is not None and not decoded.capped and seconds < reported_seconds * 0.9 - 1
    if decoded.damaged or cut_short:
        flags.append(Recording.TRUNCATED)
    return Examined(decoded.audio, flags=flags)


def process_recording(recording: Recording) -> Recording:
    """Classify the stored original and write the recognition and phone copies, or fail with a reason."""
    with store.local_file(recording.original_key) as path:
        examined = examine_audio(path, max_recording_seconds(), recording.reported_seconds)
    if examined.audio is None:
        return fail(recording, examined.reason, examined.detail)
    recognition = recording_key(recording.id, "recognition")
    playback = recording_key(recording.id, "playback")
    store.write_bytes(recognition, convert.wav_bytes(convert.recognition_copy(examined.audio)))
    store.write_bytes(playback, convert.wav_bytes(convert.phone_copy(examined.audio)))
    flags = recording.flags
    for flag in examined.flags:
        flags = add_flag(flags, flag)
    return finish(
        recording,
        Recording.READY,
        recognition_key=recognition,
        playback_key=playback,
        duration_seconds=round(examined.audio.duration_seconds, 3),
        flags=flags,
        reason="",
        reason_detail="",
        ready_at=utcnow(),
    )


def fail(recording: Recording, reason: str, detail: str) -> Recording:
    """End a recording in FAILED with a reason code and a line a person can read."""
    log.warning("recording %s failed: %s (%s)", recording.id, reason, detail)
    return finish(recording, Recording.FAILED, reason=reason, reason_detail=detail)


def finish(recording: Recording, status: str, **values) -> Recording:
    """Move a recording to a terminal state once (compare-and-set); READY enqueues transcription."""
    changed = db.session.execute(
        update(Recording)
        .where(Recording.id == recording.id, Recording.status.not_in((Recording.READY, Recording.FAILED)))
        .values(status=status, updated_at=utcnow(), **values)
    ).rowcount
    if changed and status == Recording.READY:
        for recording_ready in current_app.extensions["audio.recording_ready"]:
            recording_ready(recording.id)
    db.session.commit()
    db.session.refresh(recording)
    return recording


def sweep_stuck_recordings(now=None) -> list[int]:
    """Re-enqueue recordings left pending or downloading past their deadline (lost jobs, Redis outages).

    Scratch folders that killed jobs left on this machine are removed too.
    """
    now = now or utcnow()
    store.remove_orphaned_scratch()
    stuck = db.session.scalars(
        select(Recording).where(
            or_(
                and_(Recording.status == Recording.PENDING, Recording.updated_at < now - PENDING_DEADLINE),
                and_(
                    Recording.status == Recording.DOWNLOADING,
                    Recording.updated_at < now - DOWNLOADING_DEADLINE,
                ),
            )
        )
    ).all()
    requeued = []
    for recording in stuck:
        if recording.attempts >= MAX_FETCH_ATTEMPTS:
            fail(recording, Recording.DOWNLOAD_FAILED, f"gave up after {recording.attempts} attempts")
            continue
        recording.updated_at = now
        enqueue_fetch(recording.id)
        requeued.append(recording.id)
    db.session.commit()
    return requeued


def recordings_per_status() -> dict[tuple[str, str], int]:
    """How many callers' recordings there are of each kind in each processing state (the operator's /metrics)."""
    query = select(Recording.kind, Recording.status, func.count()).group_by(Recording.kind, Recording.status)
    return {(kind, status): count for kind, status, count in db.session.execute(query)}
