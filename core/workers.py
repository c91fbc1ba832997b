"""Workers that outlive Redis: restarted after a lost connection, and never locked out of scheduling by a dead one.

RQ's worker quits when Redis goes away (a timeout or an error outside its dequeue loop), and a worker
killed with SIGKILL leaves its scheduler lock for a minute, after which RQ's next attempt to take it
comes only with the maintenance tasks (every 10 minutes by default): scheduled sends froze that long.
"""

import itertools
import logging
import os
import socket
import time

from redis import Redis
from redis.exceptions import RedisError
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from core import monitoring, queue

log = logging.getLogger(__name__)

# How often a worker retries the scheduler lock another worker holds (RQ's default is 10 minutes).
MAINTENANCE_SECONDS = 30
RECONNECT_WAIT_SECONDS = (1, 2, 5)


def run_worker(app, queue_names: list[str], burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the queues until asked to stop; after Redis was lost, wait for it and start a fresh worker."""
    connection = queue.redis_connection(app.config["REDIS_URL"])
    while True:
        _release_when_reachable(connection, queue_names)
        worker = queue.make_worker(
            app,
            queue_names,
            maintenance_interval=MAINTENANCE_SECONDS,
            exception_handlers=[monitoring.count_job_failure],
        )
        try:
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except RedisError as error:  # lost while starting up or shutting down
            log.warning("worker %s lost Redis: %s", worker.name, error)
        if burst or worker.stop_was_requested:
            return
        log.warning("worker %s stopped without being asked (Redis lost?): starting a fresh one", worker.name)
        time.sleep(RECONNECT_WAIT_SECONDS[0])


def _release_when_reachable(connection: Redis, queue_names: list[str]) -> None:
    for attempt in itertools.count():
        try:
            release_stale_scheduler_locks(connection, queue_names)
            return
        except RedisError as error:
            wait = RECONNECT_WAIT_SECONDS[min(attempt, len(RECONNECT_WAIT_SECONDS) - 1)]
            log.warning("Redis unreachable (%s); trying again in %s s", error, wait)
            time.sleep(wait)


def release_stale_scheduler_locks(connection: Redis, queue_names: list[str]) -> list[str]:
    """Free each queue's scheduler lock whose holder was a process on this machine that no longer runs."""
    released = []
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        holder = connection.get(key)
        if holder is not None and _died_here(connection.hgetall(SCHEDULER_KEY_TEMPLATE % holder.decode())):
            connection.delete(key)
            released.append(name)
    if released:
        log.warning("released the scheduler lock of %s: its holder died", ", ".join(released))
    return released


def _died_here(scheduler: dict) -> bool:
    if scheduler.get(b"hostname", b"").decode() != socket.gethostname():
        return False  # another machine's scheduler: its lock expires by itself
    pid = int(scheduler.get(b"pid", b"0") or 0)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
