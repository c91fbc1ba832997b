"""`chaupal up`'s process supervision: children in their own process groups, restarted with back-off."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import click

from core import config as settings
from core import queue


class Supervisor:
    """Starts child processes in their own process groups, starts again any that dies, stops them all together.

    A crashed Redis, worker or cron comes back by itself (after 1, 2, 4... up to 30 s if it keeps dying);
    the web server never stops because something else did.
    """

    MAX_BACKOFF_SECONDS = 30

    def __init__(self):
        self.children: dict[str, subprocess.Popen] = {}
        self.starters: dict[str, Callable[[], subprocess.Popen | None]] = {}
        self.restarts: dict[str, int] = {}
        self.next_start: dict[str, float] = {}
        self.stopping = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        self.stopping = True

    def start_redis_if_needed(self) -> dict:
        """Start the embedded server when REDIS_URL is unset; return the children's environment."""
        env = dict(os.environ)
        if os.environ.get("REDIS_URL"):
            return env
        instance = Path(settings.build_config()["INSTANCE_PATH"])
        self._run("redis", lambda: queue.start_embedded(instance))
        env["REDIS_URL"] = queue.embedded_url(instance)
        return env

    def start(self, name: str, command: list[str], env: dict) -> None:
        self._run(name, lambda: subprocess.Popen(command, env=env, cwd=settings.ROOT, start_new_session=True))

    def _run(self, name: str, starter: Callable[[], subprocess.Popen | None]) -> None:
        self.starters[name] = starter
        process = starter()
        if process is not None:
            self.children[name] = process

    def wait(self) -> None:
        while not self.stopping:
            self.check()
            time.sleep(0.5)

    def check(self, now: float | None = None) -> None:
        """Start again each child that has stopped, once its back-off has passed."""
        now = time.monotonic() if now is None else now
        for name, process in list(self.children.items()):
            if process.poll() is None or self.stopping:
                continue
            if name not in self.next_start:
                self._schedule_restart(name, process.returncode, now)
            elif now >= self.next_start[name]:
                self._restart(name)

    def _schedule_restart(self, name: str, code: int, now: float) -> None:
        delay = min(2 ** self.restarts.get(name, 0), self.MAX_BACKOFF_SECONDS)
        self.restarts[name] = self.restarts.get(name, 0) + 1
        self.next_start[name] = now + delay
        click.echo(f"{name} stopped unexpectedly (exit {code}); starting it again in {delay} s")

    def _restart(self, name: str) -> None:
        del self.next_start[name]
        try:
            process = self.starters[name]()
        except (OSError, settings.ConfigError) as error:
            click.echo(f"{name} could not start again: {error}")
            return  # still dead: the next check schedules another try
        if process is not None:
            self.children[name] = process
        else:
            self.children.pop(name)  # already running again (an embedded Redis someone else started)

    def stop_all(self) -> None:
        """Workers and web first, the Redis server last, so no job is cut off mid-write."""
        redis = self.children.pop("redis", None)
        for process in self.children.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.children.values():
            queue.stop_process(process, timeout=20, signalled=True)
        if redis is not None:
            queue.stop_process(redis)
        click.echo("Chaupal stopped.")
