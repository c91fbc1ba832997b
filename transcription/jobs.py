"""RQ entry points for transcription: plain functions taking ids."""

import logging

from flask import current_app

from audio.models import Recording
from core import queue
from core.db import db
from transcription import (
    asr,
    helpdesk,
    recognition,
    transcribing,
)

log = logging.getLogger(__name__)


def preload() -> None:
    """Load the speech models before the worker forks, so every work-horse shares them."""
    for info in asr.preload(current_app.config):
        log.info("speech model ready: %s for '%s' (%s)", info.label, info.language, info.source)


def transcribe_recording(recording_id: int) -> None:
    """Transcribe, tag and flag one recording; skips rows that are gone or not ready; safe to repeat."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.status != Recording.READY or not recording.recognition_key:
        log.info("recording %s is gone or not ready; nothing to transcribe", recording_id)
        return
    transcribing.transcribe(recording)


def sweep_untranscribed() -> int:
    """Re-enqueue ready recordings that never got a transcript; returns how many."""
    requeued = transcribing.sweep_untranscribed()
    if requeued:
        log.warning("re-enqueued transcription of %d recording(s): %s", len(requeued), requeued)
    return len(requeued)


def deliver_answer(question_id: int) -> None:
    """Call the asker back and play the expert's answer (never twice; skipped if they opted out)."""
    helpdesk.deliver(question_id)


def save_phone_answer(question_id: int, staff_id: int, recording_url: str) -> None:
    """Fetch an answer an expert recorded on the phone and save it (then it is called back)."""
    helpdesk.save_phone_answer(question_id, staff_id, recording_url)


def send_answer_sms(question_id: int) -> None:
    """Tell the asker by SMS that their answer is there."""
    helpdesk.send_sms(question_id)


def send_recognition(recognition_id: int) -> None:
    """Send one thank-you SMS to a contributor (story published, or a listening milestone)."""
    recognition.send(recognition_id)


def sweep_answer_calls() -> int:
    """Enqueue the answer callbacks that are due: calling hours have opened, or a retry's time has come."""
    return len(helpdesk.sweep_calls())


# `chaupal cron` enqueues these once per interval, however many cron processes run.
PERIODIC = [
    queue.Periodic(sweep_untranscribed, every_seconds=300, queue="transcription"),
    queue.Periodic(sweep_answer_calls, every_seconds=300),
]
