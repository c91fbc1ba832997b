"""RQ entry points of the audio queue: plain functions taking ids."""

import logging

from rq import get_current_job

from audio import services
from core import queue

log = logging.getLogger(__name__)


def fetch_recording(recording_id: int) -> None:
    """Download, check and convert one caller recording; 'not ready yet' raises so RQ retries later."""
    job = get_current_job()
    final_attempt = job is None or not job.retries_left
    services.fetch_recording(recording_id, final_attempt=final_attempt)


def sweep_recordings() -> int:
    """Re-enqueue recordings stuck in pending or downloading; returns how many."""
    requeued = services.sweep_stuck_recordings()
    if requeued:
        log.warning("re-enqueued %d stuck recording(s): %s", len(requeued), requeued)
    return len(requeued)


# `chaupal cron` enqueues these once per interval, however many cron processes run.
PERIODIC = [queue.Periodic("audio.jobs.sweep_recordings", every_seconds=300, queue="audio")]
