"""Transcribing a ready recording with Vosk, the sweeper for lost jobs, and what a transcript row holds."""

import json
import logging
import wave
from array import array
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from audio import store
from audio.models import Recording
from core import queue
from core.db import db, utcnow
from transcription import asr, helpdesk, jobs, model_files, quality, tagging, topic_tags
from transcription.models import Review, Transcript

log = logging.getLogger(__name__)


READY_DEADLINE = timedelta(minutes=10)  # ready this long without a transcript: the job was lost


PENDING_DEADLINE = timedelta(minutes=30)  # far beyond the longest decode (2 min of audio)


def transcribe(recording: Recording) -> Transcript:
    """Transcribe, measure, tag and rank a ready recording; running it again replaces machine output."""
    transcript = transcript_row(recording.id)
    try:
        with store.local_file(recording.recognition_key) as path:
            sound = quality.measure(path)
            result = asr.transcribe_file(path, recording.language_code, current_app.config)
    except asr.NoModelError as error:
        # Retrying cannot help until an admin installs a model: record it for a human and stop.
        helpdesk.route_without_staff(recording, [recording.topic_id] if recording.topic_id else [])
        return _fail(transcript, str(error), [Transcript.NO_MODEL])
    except (asr.AsrError, store.StoreError, OSError) as error:
        _fail(transcript, f"{type(error).__name__}: {error}", [])
        raise RuntimeError(f"transcribing recording {recording.id} failed: {error}") from error
    _store_result(transcript, result, sound)
    suggestions = topic_tags.save_suggestions(recording, result.text)
    _rank(transcript, recording, sound, suggestions)
    best_first = sorted(suggestions, key=lambda suggestion: -suggestion.score)
    helpdesk.route_without_staff(recording, [suggestion.topic_id for suggestion in best_first])
    db.session.commit()
    return transcript


def sweep_untranscribed(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Enqueue ready recordings whose transcription job was lost (Redis down, worker killed)."""
    now = now or utcnow()
    has_transcript = select(Transcript.id).where(
        Transcript.recording_id == Recording.id,
        or_(Transcript.status != Transcript.PENDING, Transcript.updated_at >= now - PENDING_DEADLINE),
    )
    lost = db.session.scalars(
        select(Recording.id)
        .where(Recording.status == Recording.READY, Recording.recognition_key != "")
        .where(Recording.ready_at < now - READY_DEADLINE, ~has_transcript.exists())
        .order_by(Recording.ready_at)
        .limit(limit)
    ).all()
    waiting = lost + _waiting_for_a_model(limit)
    for recording_id in waiting:
        # Pending from now: the next sweep leaves them alone unless this job is lost too.
        row = transcript_row(recording_id)
        row.status = Transcript.PENDING
        row.updated_at = now
    db.session.commit()
    return [r for r in waiting if queue.enqueue_now("transcription", jobs.transcribe_recording, r)]


def queue_transcription(recording_id: int) -> None:
    """Transcribe a recording once the transaction that made it ready commits (audio's ready hook)."""
    queue.enqueue_after_commit("transcription", jobs.transcribe_recording, recording_id)


def _waiting_for_a_model(limit: int) -> list[int]:
    # Recordings that failed for want of a model, in languages that have one now (installed since).
    failed = db.session.execute(
        select(Transcript.recording_id, Recording.language_code)
        .join(Recording)
        .where(Transcript.status == Transcript.FAILED, Transcript.flags == Transcript.NO_MODEL)
        .where(Recording.status == Recording.READY)
        .limit(limit)
    ).all()
    config = current_app.config
    return [recording_id for recording_id, language in failed if model_files.resolve(language, config)]


def transcript_row(recording_id: int) -> Transcript:
    """The recording's transcript row, created if missing (one per recording, even under races)."""
    found = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if found is not None:
        return found
    transcript = Transcript(recording_id=recording_id)
    db.session.add(transcript)
    try:
        db.session.commit()
    except IntegrityError:
        # The same job ran twice at once; the other run created the row.
        db.session.rollback()
        return db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    return transcript


def _fail(transcript: Transcript, reason: str, flag_names: list[str]) -> Transcript:
    transcript.status = Transcript.FAILED
    transcript.reason = reason
    transcript.flags = ",".join(flag_names)
    transcript.needs_listening = True
    transcript.priority = quality.KIND_PRIORITY.get(transcript.recording.kind, 30.0)
    db.session.commit()
    log.warning("transcript for recording %s failed: %s", transcript.recording_id, reason)
    return transcript


def _store_result(transcript: Transcript, result: asr.Result, sound: quality.Measure) -> None:
    recording = transcript.recording
    transcript.status = Transcript.READY
    transcript.reason = ""
    transcript.language_code = recording.language_code or ""
    transcript.model_language = result.model.language
    transcript.model_name = result.model.name
    transcript.model_version = result.model.version
    if not _corrected_by_curator(recording.id):
        transcript.text = result.text
    transcript.words = json.dumps([[w.text, w.start, w.end, w.confidence] for w in result.words])
    transcript.confidence = result.confidence
    transcript.audio_seconds = result.audio_seconds
    transcript.speech_seconds = sound.speech_seconds
    transcript.silence_ratio = sound.silence_ratio
    transcript.clipping_ratio = sound.clipping_ratio
    transcript.real_time_factor = result.real_time_factor
    transcript.transcribed_at = utcnow()
    extra = [Transcript.DEMO_MODEL] if result.model.demo else []
    transcript.flags = ",".join(quality.flags(sound, len(result.words), result.confidence) + extra)
    transcript.needs_listening = quality.needs_listening(transcript.flag_list)


def _corrected_by_curator(recording_id: int) -> bool:
    return db.session.scalar(select(Review.text_edited_at).filter_by(recording_id=recording_id)) is not None


def _rank(transcript: Transcript, recording: Recording, sound, suggestions) -> None:
    best = max(tagging.combined_scores(suggestions).values(), default=0.0)
    transcript.priority = quality.priority(
        recording.kind, sound, transcript.flag_list, transcript.confidence, best
    )


def word_timings(transcript: Transcript) -> list[asr.Word]:
    """The transcript's words with start, end (seconds) and confidence."""
    return [asr.Word(*entry) for entry in json.loads(transcript.words or "[]")]


def waveform(recording: Recording, bars: int = 160) -> list[float]:
    """Peak levels (0..1) of the phone copy in `bars` slices, drawn on the review page; [] if unreadable."""
    try:
        with store.local_file(recording.playback_key) as path, wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                return []
            samples = array("h", wav.readframes(wav.getnframes()))
    except (store.StoreError, wave.Error, EOFError, OSError):
        return []
    step = max(1, -(-len(samples) // bars))
    peaks = [max(map(abs, samples[i : i + step])) for i in range(0, len(samples), step)]
    loudest = max(peaks, default=0) or 1
    return [round(peak / loudest, 3) for peak in peaks]
