"""RQ entry points of the audio queue: plain functions taking ids."""

import logging

from flask import current_app
from rq import get_current_job

from audio import recording_pipeline, voice_retention
from core import queue
from core.config import retention_days

log = logging.getLogger(__name__)


def fetch_recording(recording_id: int) -> None:
    """Download, check and convert one caller recording; 'not ready yet' raises so RQ retries later."""
    job = get_current_job()
    final_attempt = job is None or not job.retries_left
    recording_pipeline.fetch_recording(recording_id, final_attempt=final_attempt)


def sweep_recordings() -> int:
    """Re-enqueue recordings stuck in pending or downloading; returns how many."""
    requeued = recording_pipeline.sweep_stuck_recordings()
    if requeued:
        log.warning("re-enqueued %d stuck recording(s): %s", len(requeued), requeued)
    return len(requeued)


def enforce_retention() -> int:
    """Delete callers' audio past RETENTION_DAYS_RECORDINGS (unless published) and orphaned files."""
    days = retention_days(current_app.config, "RETENTION_DAYS_RECORDINGS")
    expired = voice_retention.expire_old_recordings(days)
    orphans = voice_retention.remove_orphaned_recording_files()
    log.info("retention: audio of %d recording(s) expired, %d orphaned file(s) removed", expired, orphans)
    return expired


# `chaupal cron` enqueues these once per interval, however many cron processes run.
PERIODIC = [
    queue.Periodic(sweep_recordings, every_seconds=300, queue="audio"),
    queue.Periodic(enforce_retention, every_seconds=24 * 3600, queue="audio"),
]
