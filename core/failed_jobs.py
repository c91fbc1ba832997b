"""The failed-job registry for admins: what failed, where and why (numbers masked), and a retry button."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from core import queue
from core.auth import role_required
from core.logs import mask_numbers

bp = Blueprint("failed_jobs", __name__, url_prefix="/admin/failed-jobs")
SHOWN_PER_QUEUE = 200


@dataclass(frozen=True)
class FailedJob:
    queue: str
    id: str
    function: str
    arguments: str
    ended_at: datetime | None
    reason: str


def failed_jobs() -> list[FailedJob]:
    """The most recent failed jobs of every queue, newest first (raises RedisError when Redis is down)."""
    found = []
    connection = queue.redis_connection()
    for name in queue.QUEUES:
        registry = FailedJobRegistry(queue=queue.get_queue(name, connection))
        job_ids = registry.get_job_ids(0, SHOWN_PER_QUEUE - 1)
        jobs = Job.fetch_many(job_ids, connection=connection, serializer=queue.get_queue(name).serializer)
        found += [_describe(name, job) for job in jobs if job is not None]
    return sorted(found, key=lambda job: job.ended_at or datetime.min, reverse=True)


def _describe(queue_name: str, job: Job) -> FailedJob:
    try:
        arguments = ", ".join(repr(arg) for arg in job.args)
    except Exception:  # noqa: BLE001 - arguments that no longer load are shown as such, not a broken page
        arguments = "(unreadable)"
    lines = (
        (job.latest_result().exc_string if job.latest_result() else job.exc_info or "").strip().splitlines()
    )
    reason = lines[-1] if lines else ""
    # Exceptions may quote a number or a text: mask anything shaped like a phone number.
    return FailedJob(
        queue_name,
        job.id,
        job.func_name,
        mask_numbers(arguments)[:200],
        job.ended_at,
        mask_numbers(reason)[:300],
    )


def retry(queue_name: str, job_id: str) -> bool:
    """Put a failed job back on its queue; False if it is no longer in the failed registry."""
    if queue_name not in queue.QUEUES:
        return False
    registry = FailedJobRegistry(queue=queue.get_queue(queue_name))
    try:
        registry.requeue(job_id)
    except (NoSuchJobError, ValueError):
        return False
    return True


@bp.get("/")
@role_required("admin")
def index():
    try:
        jobs, down = failed_jobs(), False
    except RedisError:
        jobs, down = [], True
    return render_template("core/failed_jobs.html", jobs=jobs, redis_down=down)


@bp.post("/<queue_name>/<job_id>/retry")
@role_required("admin")
def retry_job(queue_name: str, job_id: str):
    try:
        done = retry(queue_name, job_id)
    except RedisError:
        abort(503)
    if not done:
        abort(404)
    flash(gettext("The job is back on its queue."), "info")
    return redirect(url_for("failed_jobs.index"), code=303)
