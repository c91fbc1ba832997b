"""B9: today's due re-asks for 100,000 enrolled learners with 20 items each (2,000,000 Leitner rows).

The schedule is filled by the database itself (a recursive CTE on SQLite, generate_series on
PostgreSQL), due dates spread over the next 60 days. Timed, five runs after a warm-up: the one
indexed query that lists every due (learner, item) now, and the refresher planning query (learners
with due items, enrolled, silent for N days, not refreshed lately). The refresher calls themselves
go through campaign dispatch: reported is how long today's refreshers take at the provider's call
rate and whether they fit in one day's calling window (B6 measures that dispatch holds the rate).
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.common import Result, finish, load_average

TARGET_SECONDS = 1.0
RUNS = 5


def config(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CHAUPAL_ENV": "testing",
        "INSTANCE_PATH": tempfile.mkdtemp(prefix="chaupal-b9-"),
        "SECRET_KEY": "bench-" + "k" * 40,
        "VOSK_MODELS": "",
        "SESSION_COOKIE_SECURE": False,
    }


def seed(learners: int, items: int) -> float:
    """Contacts, a course, items, enrolments and the Leitner rows, inserted by the database; seconds taken."""
    from core import seed as reference
    from core.db import db, utcnow

    reference.seed_reference()  # languages, places and topics the rows refer to
    started = time.monotonic()
    now = utcnow()
    sqlite = db.engine.dialect.name == "sqlite"
    numbers = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) SELECT i FROM n"
        if sqlite
        else "SELECT generate_series(1, :count) AS i"
    )
    stamp = {"now": now}
    if not sqlite:  # the sessions' 120 s statement limit is for the app, not for seeding 2,000,000 rows
        db.session.execute(text("SET LOCAL statement_timeout = 0"))
    phone = "'+9196' || substr('0000000000' || i, -8, 8)" if sqlite else "'+9196' || lpad(i::text, 8, '0')"
    db.session.execute(
        text(
            f"INSERT INTO contacts (phone, name, role, created_by, notes, missed_call_mode, created_at, language_code) SELECT {phone}, '', 'mason', 'import', '', false, :now, 'hi' FROM ({numbers}) AS n"
        ),
        {**stamp, "count": learners},
    )
    db.session.execute(
        text(
            "INSERT INTO learning_courses (title_en, title_hi, pass_mark, status, created_at) VALUES ('Bench', '', 70, 'published', :now)"
        ),
        stamp,
    )
    db.session.execute(
        text(
            f"INSERT INTO learning_quiz_items (option_keys, right_key, status, created_at) SELECT '123', '2', 'published', :now FROM ({numbers}) AS n"
        ),
        {**stamp, "count": items},
    )
    db.session.execute(
        text(
            "INSERT INTO learning_enrolments (course_id, contact_id, status, step, lesson_index, item_index, segment, last_call_sid, callback_for_sid, enrolled_at) SELECT (SELECT max(id) FROM learning_courses), id, 'active', 'lesson', 0, 0, 0, '', '', :now FROM contacts"
        ),
        stamp,
    )
    spread = "(c.id * 7 + q.id * 13) % 60"
    due = (
        f"datetime(:now, '+' || ({spread}) || ' days')" if sqlite else f":now + ({spread}) * interval '1 day'"
    )
    db.session.execute(
        text(
            f"INSERT INTO learning_reasks (contact_id, item_id, box, due_at, updated_at) SELECT c.id, q.id, 1 + (c.id + q.id) % 4, {due}, :now FROM contacts c CROSS JOIN learning_quiz_items q"
        ),
        stamp,
    )
    db.session.commit()
    if not sqlite:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.monotonic() - started


def timed(function) -> tuple[list[float], Any]:
    """Seconds of each timed run (after one warm-up), and the last result."""
    timings, result = [], None
    for run in range(RUNS + 1):
        started = time.perf_counter()
        result = function()
        if run:
            timings.append(time.perf_counter() - started)
    return timings, result


def measure(database_url: str, learners: int, items: int) -> dict:
    from core.app import create_app
    from core.db import db, upgrade
    from learning import outreach, reasks

    app = create_app(config(database_url))
    upgrade(app)
    with app.app_context():
        seeded = seed(learners, items)
        moment = reasks.clock.now() + timedelta(days=3)  # a day on which a share of the items is due
        counted = select(func.count()).select_from(reasks.due_query(moment).subquery())
        count_times, _ = timed(lambda: db.session.scalar(counted))
        due_times, due = timed(lambda: db.session.execute(reasks.due_query(moment)).all())
        rate = float(app.config["CAMPAIGN_CALLS_PER_SECOND"])
        capacity = outreach.daily_capacity()
        plan_times, planned = timed(lambda: outreach.refresher_candidates(moment, capacity))
        candidates = outreach.refresher_candidates(moment)
        db.session.remove()
        db.engine.dispose()
    return {
        "database": database_url.split(":")[0].split("+")[0],
        "learners": learners,
        "items": items,
        "rows": learners * items,
        "seed_seconds": round(seeded, 1),
        "due_rows": len(due),
        "count_median_s": round(statistics.median(count_times), 3),
        "count_max_s": round(max(count_times), 3),
        "due_median_s": round(statistics.median(due_times), 3),
        "due_max_s": round(max(due_times), 3),
        "plan_median_s": round(statistics.median(plan_times), 3),
        "planned_today": len(planned),
        "refresher_learners": len(candidates),
        "calls_per_second": rate,
        "daily_capacity": capacity,
        "days_to_reach_all": round(len(candidates) / capacity, 1) if capacity else None,
    }


def postgres_database(admin_url: str):
    """A fresh PostgreSQL database for the run (dropped afterwards): (url, drop)."""
    name = f"chaupal_b9_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def verdict(runs: list[dict]) -> Result:
    parts = [
        f"{r['database']}: {r['due_rows']:,} due of {r['rows']:,} found by the indexed query in "
        f"{r['count_median_s']} s median (max {r['count_max_s']} s), listed into Python in "
        f"{r['due_median_s']} s (max {r['due_max_s']} s); refresher planning "
        f"{r['plan_median_s']} s for the day's {r['planned_today']:,} calls ({r['daily_capacity']:,} a day at "
        f"{r['calls_per_second']:g}/s in the window; {r['refresher_learners']:,} silent learners due, so "
        f"{r['days_to_reach_all']} days to reach all)"
        for r in runs
    ]
    # The target is on the database's work: the one indexed query that finds today's due re-asks. The
    # line never lists every pair in Python (calls ask per learner, the planner stays in SQL); listing
    # them is reported beside it as the cost of a batch that would.
    met = all(r["count_max_s"] < TARGET_SECONDS for r in runs)
    summary = "; ".join(parts) + f"; load average {load_average()}"
    target = f"today's due re-asks over 100,000 x 20 found by the database < {TARGET_SECONDS:g} s"
    return Result("B9 due re-asks", summary, target, met, {"runs": runs})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="an admin URL to create the PostgreSQL database under; empty: SQLite only",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="chaupal-b9-")
    try:
        runs = [measure(f"sqlite:///{folder}/b9.db", args.learners, args.items)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.postgres:
        url, drop = postgres_database(args.postgres)
        try:
            runs.append(measure(url, args.learners, args.items))
        finally:
            drop()
    finish(verdict(runs))


if __name__ == "__main__":
    main()
