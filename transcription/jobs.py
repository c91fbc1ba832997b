"""RQ entry points for transcription: plain functions taking ids."""

import logging

from flask import current_app

from audio.models import Recording
from core import queue
from core.db import db
from transcription import asr, services

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
    services.transcribe(recording)


def sweep_untranscribed() -> int:
    """Re-enqueue ready recordings that never got a transcript; returns how many."""
    requeued = services.sweep_untranscribed()
    if requeued:
        log.warning("re-enqueued transcription of %d recording(s): %s", len(requeued), requeued)
    return len(requeued)


# `chaupal cron` enqueues these once per interval, however many cron processes run.
PERIODIC = [
    queue.Periodic("transcription.jobs.sweep_untranscribed", every_seconds=300, queue="transcription")
]
