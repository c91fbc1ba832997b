"""RQ entry points of the audio queue: plain functions taking ids."""

import logging
from datetime import UTC, datetime, timedelta

from rq import get_current_job

from audio import services
from core import queue

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
SWEEP_JOB_PREFIX = "audio-sweep-"


def fetch_recording(recording_id: int) -> None:
    """Download, check and convert one caller recording; 'not ready yet' raises so RQ retries later."""
    job = get_current_job()
    final_attempt = job is None or not job.retries_left
    services.fetch_recording(recording_id, final_attempt=final_attempt)


def sweep_recordings() -> int:
    """Re-enqueue stuck recordings, then schedule the next sweep; returns how many were re-enqueued."""
    try:
        requeued = services.sweep_stuck_recordings()
    finally:
        schedule_sweep()
    if requeued:
        log.warning("re-enqueued %d stuck recording(s): %s", len(requeued), requeued)
    return len(requeued)


def schedule_sweep(now: datetime | None = None) -> str:
    """Schedule the next sweep; one id per time slot, so several workers never start parallel chains."""
    run_at = (now or datetime.now(UTC)) + SWEEP_EVERY
    job_id = f"{SWEEP_JOB_PREFIX}{int(run_at.timestamp()) // int(SWEEP_EVERY.total_seconds())}"
    audio_queue = queue.get_queue("audio")
    audio_queue.enqueue_at(run_at, "audio.jobs.sweep_recordings", job_id=job_id)
    return job_id


def preload() -> None:
    """At worker start: make sure a sweep is scheduled (the chain renews itself after each run)."""
    registry = queue.get_queue("audio").scheduled_job_registry
    if not any(job_id.startswith(SWEEP_JOB_PREFIX) for job_id in registry.get_job_ids()):
        schedule_sweep()
