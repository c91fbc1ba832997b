"""RQ entry points for transcription: plain functions taking ids."""

import logging

from flask import current_app

from audio.models import Recording
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
