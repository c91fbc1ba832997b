"""Workers recover by themselves: a dead worker's scheduler lock is taken over at once, Redis restarts are survived."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job, JobStatus
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer

from campaigns import jobs as campaign_jobs
from core import queue, workers
from tests.helpers import command_env

ROOT = Path(__file__).resolve().parents[2]
WORKER_COMMAND = ["core.cli", "worker", "campaigns"]
HOLD_LOCK = """
import sys, time
from redis import Redis
from rq.scheduler import RQScheduler
connection = Redis.from_url(sys.argv[1])
scheduler = RQScheduler(["campaigns"], connection=connection)
scheduler.acquire_locks()
scheduler.register_birth()
print("LOCKED", flush=True)
time.sleep(600)
"""


def killed_scheduler(redis_url: str) -> None:
    """A scheduler process that took the campaigns queue's lock, then died by SIGKILL (as under `kill -9`)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, redis_url], stdout=subprocess.PIPE, text=True
    )
    wait_for_line(process, "LOCKED")
    process.send_signal(signal.SIGKILL)
    process.wait()


def wait_for_line(process: subprocess.Popen, expected: str) -> None:
    for line in process.stdout:
        if line.strip() == expected:
            return
    raise AssertionError(f"the process ended before printing {expected}")


def scheduled_tick(connection: Redis) -> Job:
    """A campaign tick scheduled for now: only a worker holding the scheduler lock moves it to the queue."""
    campaigns = queue.get_queue("campaigns", connection)
    return campaigns.enqueue_at(datetime.now(UTC), campaign_jobs.tick_run, 0)


def test_a_scheduler_lock_left_by_a_killed_worker_is_taken_over_at_once(app):
    connection = queue.redis_connection(app.config["REDIS_URL"])
    killed_scheduler(app.config["REDIS_URL"])
    job = scheduled_tick(connection)
    queue.make_worker(app, ["campaigns"]).work(burst=True, with_scheduler=True)  # RQ alone
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED  # the campaign would freeze here
    assert connection.exists(RQScheduler.get_locking_key("campaigns"))
    workers.run_worker(app, ["campaigns"], burst=True)
    assert job.get_status(refresh=True) == JobStatus.FINISHED


def test_a_live_schedulers_lock_is_left_alone(app):
    connection = queue.redis_connection(app.config["REDIS_URL"])
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, app.config["REDIS_URL"]], stdout=subprocess.PIPE, text=True
    )
    try:
        wait_for_line(process, "LOCKED")
        assert workers.release_stale_scheduler_locks(connection, ["campaigns"]) == []
        assert connection.exists(RQScheduler.get_locking_key("campaigns"))
    finally:
        process.kill()
        process.wait()


def private_redis(folder: Path) -> subprocess.Popen:
    socket = folder / "redis.sock"
    process = subprocess.Popen(
        [queue.embedded_binary(), *queue.embedded_args(folder, socket)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    queue._wait_until_reachable(f"unix://{socket}", process, folder)
    return process


@pytest.mark.slow
def test_a_worker_carries_on_after_redis_is_killed_and_restarted(app, tmp_path):
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    url = f"unix://{redis_dir / 'redis.sock'}"
    server = private_redis(redis_dir)
    env = command_env(app, tmp_path, redis_url=url)
    worker = subprocess.Popen(
        [sys.executable, "-m", *WORKER_COMMAND],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
        start_new_session=True,
    )
    try:
        connection = Redis.from_url(url)
        busy = queue.get_queue("campaigns", connection).enqueue(time.sleep, 3)
        assert wait_for(lambda: busy.get_status(refresh=True) == JobStatus.STARTED)
        os.killpg(server.pid, signal.SIGKILL)  # Redis dies mid-job: RQ meets it when it records the result
        server.wait()
        time.sleep(5)
        server = private_redis(redis_dir)
        connection = Redis.from_url(url)
        job = queue.get_queue("campaigns", connection).enqueue(campaign_jobs.tick_run, 0)
        finished = wait_for(
            lambda: (
                Job.fetch(job.id, connection, serializer=JSONSerializer).get_status() == JobStatus.FINISHED
            ),
            seconds=60,
        )
        assert worker.poll() is None and finished
    finally:
        for process in (worker, server):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # noqa: BLE001 - Redis still starting: ask again
            pass
        time.sleep(0.2)
    return False


def test_background_workers_run_below_the_web_servers_cpu_priority(app, tmp_path):
    """`chaupal up` starts each worker niced, so webhooks get the CPU first on one machine (B10)."""
    from core.cli import WORKER_NICENESS, worker_command

    connection = queue.redis_connection(app.config["REDIS_URL"])
    job = queue.get_queue("default", connection).enqueue(os.nice, 0)  # answers the work's own niceness
    env = command_env(app, tmp_path)
    command = worker_command("default")
    subprocess.run([*command, "--burst", "--no-scheduler"], env=env, cwd=ROOT, check=True, timeout=120)
    job.refresh()
    assert job.return_value() == os.nice(0) + WORKER_NICENESS["default"] > os.nice(0)
    assert all(WORKER_NICENESS[name] > 0 for name in queue.QUEUES)
