"""A throwaway Chaupal instance for one benchmark: temp folder, private Redis, migrated and seeded
database, and the production web server (gunicorn) on a loopback port with an access log that
records each request's server time."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT

ACCOUNT_SID = "AC" + "be" * 16
PUBLIC_BASE_URL = "https://line.chaupal.example"
# method, path without query, status, server time in microseconds (gunicorn's own clock)
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """Everything one benchmark run needs; `with Instance() as inst:` cleans up all it started."""

    def __init__(
        self,
        database_url: str = "",
        twilio_base_url: str = "http://127.0.0.1:9",
        auth_token: str = "",
        extra_env: dict | None = None,
    ):
        self.folder = Path(tempfile.mkdtemp(prefix="chaupal-bench-"))
        self.auth_token = auth_token or secrets.token_hex(16)
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "CHAUPAL_ENV": "production",
            "INSTANCE_PATH": str(self.folder),
            "SECRET_KEY": secrets.token_hex(32),
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_CALLER_ID": "+15005550006",
            "TWILIO_API_BASE_URL": twilio_base_url,
            "DATABASE_URL": database_url,
            "VOSK_MODELS": "",
            **(extra_env or {}),
        }
        self.web_url = ""
        self.access_log = self.folder / "access.log"

    def __enter__(self) -> "Instance":
        self.start_redis()
        self.prepare()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start_redis(self) -> None:
        """A private embedded Redis-compatible server on a unix socket, persisting as in production."""
        from core import queue

        data_dir = self.folder / "redis"
        data_dir.mkdir()
        sock = data_dir / "redis.sock"
        args = queue.embedded_args(data_dir, sock)
        self.redis = subprocess.Popen(
            [queue.embedded_binary(), *args], stdout=subprocess.DEVNULL, start_new_session=True
        )
        self.processes.append(self.redis)
        self.env["REDIS_URL"] = f"unix://{sock}"
        queue._wait_until_reachable(self.env["REDIS_URL"], self.redis, data_dir)

    def app(self):
        """The Flask app of this instance, built in this process (for setup and checks)."""
        from core.app import create_app

        if not hasattr(self, "_app"):
            overrides = {k: self.env[k] for k in self.env if k.isupper() and k in _SETTING_NAMES}
            self._app = create_app({k: v for k, v in overrides.items() if v})
        return self._app

    def prepare(self, lessons: int = 3) -> None:
        """Migrate, seed reference data and publish a few lessons so callers have something to hear."""
        from core import db, seed
        from tests.ivr_fixtures import make_lesson

        app = self.app()
        db.upgrade(app)
        with app.app_context():
            seed.seed_reference()
            for n in range(lessons):
                make_lesson(title=f"Lesson {n + 1}", position=n)

    def start_web(self, workers: int = 2, extra: list[str] | None = None) -> str:
        """The production web command (as `chaupal web` runs it) with an access log; returns its URL."""
        from core.cli import gunicorn_command

        port = free_port()
        command = gunicorn_command("127.0.0.1", port, workers)
        log_args = ["--access-logfile", str(self.access_log), "--access-logformat", ACCESS_FORMAT]
        command = command[:-1] + log_args + (extra or []) + command[-1:]
        log = (self.folder / "web.log").open("ab")
        self.web = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        self.processes.append(self.web)
        self.web_url = f"http://127.0.0.1:{port}"
        _wait_for_port(port, self.web, self.folder / "web.log")
        return self.web_url

    def spawn(self, command: list[str], name: str, nice: int = 0) -> subprocess.Popen:
        """Start a helper process (a worker) with this instance's environment; stopped at exit."""
        log = (self.folder / f"{name}.log").open("ab")
        prefix = ["nice", "-n", str(nice)] if nice else []
        process = subprocess.Popen(
            prefix + command, env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """Stop every process this instance started (newest first) and delete its folder."""
        from core import queue

        for process in reversed(self.processes):
            queue.stop_process(process, timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)


def _setting_names() -> set[str]:
    from core.config import SETTINGS

    return set(SETTINGS)


_SETTING_NAMES = _setting_names()


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"web server exited: {log.read_text()[-500:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"web server did not listen within {timeout} s: {log.read_text()[-500:]}")
