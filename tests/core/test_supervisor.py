"""`chaupal up` supervises: a crashed Redis or worker is started again, and the web never stops because of it."""

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from core import queue
from core.app import create_app
from core.supervisor import Supervisor
from tests.factories import make_staff
from tests.helpers import log_in

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def supervisor():
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    supervisor = Supervisor()
    thread = threading.Thread(target=supervisor.wait)
    yield supervisor, thread
    supervisor.stopping = True
    if thread.is_alive():
        thread.join()
    supervisor.stop_all()
    signal.signal(signal.SIGTERM, previous[0])
    signal.signal(signal.SIGINT, previous[1])


def started_again(supervisor: Supervisor, name: str, old_pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        process = supervisor.children.get(name)
        if process is not None and process.pid != old_pid and process.poll() is None:
            return True
        time.sleep(0.1)
    return False


def test_a_killed_worker_is_started_again_and_the_web_keeps_running(supervisor):
    supervisor, thread = supervisor
    supervisor.start("web", SLEEPER, dict(os.environ))
    supervisor.start("worker:campaigns", SLEEPER, dict(os.environ))
    web, worker = supervisor.children["web"], supervisor.children["worker:campaigns"]
    thread.start()
    os.killpg(worker.pid, signal.SIGKILL)
    assert started_again(supervisor, "worker:campaigns", worker.pid)
    assert not supervisor.stopping and supervisor.children["web"] is web and web.poll() is None


def test_a_crashed_embedded_redis_is_started_again(supervisor, tmp_path, monkeypatch):
    supervisor, thread = supervisor
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    env = supervisor.start_redis_if_needed()
    supervisor.start("web", SLEEPER, env)
    redis, web = supervisor.children["redis"], supervisor.children["web"]
    thread.start()
    os.killpg(redis.pid, signal.SIGKILL)
    assert started_again(supervisor, "redis", redis.pid)
    assert queue.is_reachable(queue.embedded_url(Path(tmp_path)))
    assert web.poll() is None and not supervisor.stopping


def test_a_child_that_keeps_dying_waits_longer_each_time():
    supervisor = Supervisor()
    supervisor.start("cron", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    supervisor.children["cron"].wait()
    delays = []
    for now in (0.0, 100.0, 200.0, 300.0):
        supervisor.check(now)
        delays.append(supervisor.next_start["cron"] - now)
        supervisor.check(supervisor.next_start["cron"])
        supervisor.children["cron"].wait()
    assert delays == [1, 2, 4, 8]
    supervisor.stop_all()


def test_the_web_serves_staff_pages_with_redis_down(app, tmp_path):
    keep = (
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "SECRET_KEY",
        "MEDIA_DIR",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_CALLER_ID",
        "TWILIO_API_BASE_URL",
        "PUBLIC_BASE_URL",
    )
    down = create_app(
        {
            **{k: app.config[k] for k in keep},
            "CHAUPAL_ENV": "testing",
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:1",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    staff = make_staff("admin")
    client = down.test_client()
    assert log_in(client, staff.username).status_code == 302
    assert client.get("/people/").status_code == 200
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["redis"].startswith("failed")
