"""B8: the analytics pages on a database of a million call events (calls plus listening events).

`chaupal analytics seed` fills a database (SQLite by default, any DATABASE_URL with --database-url;
an already seeded one is reused), then each page is rendered in-process by the application with an
officer (one district) and a curator (every district): one warm-up, then five timed renders each.
The target is each page's median render under 500 ms; the slowest render is reported too.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.common import ROOT, Result, finish, load_average

TARGET_MS = 500
RUNS = 5
PAGES = (
    ("officer", "/campaigns/analytics"),
    ("officer", "/campaigns/analytics/digest"),
    ("officer", "/campaigns/analytics/calls.csv"),
    ("curator", "/campaigns/analytics"),
    ("curator", "/review/analytics"),
    ("curator", "/review/analytics/story-travel.csv"),
)


def seed_if_empty(database_url: str, events: int) -> float:
    """Seconds spent seeding (0 when the database already holds calls)."""
    from core.app import create_app
    from core.db import upgrade
    from ivr import synthetic

    app = create_app(_config(database_url))
    upgrade(app)
    with app.app_context():
        if synthetic.line_has_calls():
            return 0.0
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "core.cli",  # the whole command line: the domain packages add their commands (analytics among them)
        "analytics",
        "seed",
        "--events",
        str(events),
        "--database-url",
        database_url,
    ]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=_env(database_url))
    return time.monotonic() - started


def _config(database_url: str) -> dict:
    folder = tempfile.mkdtemp(prefix="chaupal-bench-")
    return {
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": folder,
        "CHAUPAL_ENV": "testing",
        "SECRET_KEY": "bench-" + "k" * 40,
        "VOSK_MODELS": "",
        "SESSION_COOKIE_SECURE": False,
    }


def _env(database_url: str) -> dict:
    return {
        **os.environ,
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="chaupal-bench-"),
        "DATABASE_URL": database_url,
    }


def staff_clients(app) -> dict:
    """A test client logged in as an officer of Sitapur and one as a curator."""
    from flask_login.utils import _create_identifier

    from core.auth import create_staff
    from core.db import db
    from core.models import District, StaffUser

    clients = {}
    with app.app_context():
        for role in ("officer", "curator"):
            user = db.session.scalar(select(StaffUser).filter_by(username=f"bench-{role}"))
            if user is None:
                user = create_staff(f"bench-{role}", "bench-password-123", role)
                user.districts = list(db.session.scalars(select(District).filter_by(name="Sitapur")))
                db.session.commit()
            client = app.test_client()
            client.environ_base["HTTP_USER_AGENT"] = "chaupal-bench"
            with (
                app.test_request_context(environ_base=client.environ_base),
                client.session_transaction() as session,
            ):
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
                session["_id"] = _create_identifier()
            clients[role] = client
    return clients


def time_page(client, path: str) -> list[float]:
    """Milliseconds of each timed render (after one warm-up); fails on any status but 200."""
    timings = []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        if run:
            timings.append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    database_url = (
        args.database_url or f"sqlite:///{Path(tempfile.gettempdir()) / f'chaupal-b8-{args.events}.db'}"
    )
    seeded = seed_if_empty(database_url, args.events)
    from core.app import create_app

    app = create_app(_config(database_url))
    clients = staff_clients(app)
    figures = {
        "events": args.events,
        "seed_seconds": round(seeded, 1),
        "database": database_url.split(":")[0],
    }
    for role, path in PAGES:
        timings = time_page(clients[role], path)
        figures[f"{role} {path}"] = {
            "median_ms": round(statistics.median(timings)),
            "max_ms": round(max(timings)),
        }
    figures["load_average"] = load_average()
    pages = {key: value for key, value in figures.items() if isinstance(value, dict)}
    worst = max(pages.values(), key=lambda v: v["median_ms"])
    summary = (
        f"slowest page median {worst['median_ms']} ms (max {worst['max_ms']} ms) over {args.events:,} events"
    )
    finish(
        Result(
            "B8 analytics pages",
            summary,
            f"each page < {TARGET_MS} ms",
            worst["median_ms"] < TARGET_MS,
            figures,
        )
    )


if __name__ == "__main__":
    main()
