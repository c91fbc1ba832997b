"""A database that hangs rather than fails: webhooks give up waiting in time and the caller hears the apology."""

import contextlib
import sqlite3
import threading
import xml.etree.ElementTree as ET

from sqlalchemy import text

from core.db import db
from tests.conftest import ACCOUNT_SID
from tests.ivr_fixtures import sid

HOLD_AT_MOST_SECONDS = 12  # longer than the webhook's wait, shorter than SQLite's old 15 s


@contextlib.contextmanager
def database_write_lock(app):
    """Another client holds the write lock until the block ends (or HOLD_AT_MOST_SECONDS pass)."""
    done = threading.Event()
    state = {"held": threading.Event(), "released_early": False}
    thread = threading.Thread(target=_hold, args=(db.engine, done, state))
    thread.start()
    assert state["held"].wait(10)
    try:
        yield state
    finally:
        done.set()
        thread.join()


def _hold(engine, done: threading.Event, state: dict) -> None:
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(engine.url.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        connection = engine.raw_connection()
        connection.cursor().execute("LOCK TABLE ivr_calls, contacts IN ACCESS EXCLUSIVE MODE")
    state["held"].set()
    state["released_early"] = not done.wait(HOLD_AT_MOST_SECONDS)
    connection.rollback()
    connection.close()


def is_apology(response) -> bool:
    root = ET.fromstring(response.get_data())
    return root.find("Say") is not None and root.find("Hangup") is not None


def test_a_new_call_hears_the_apology_while_the_database_is_still_locked(app, twilio_post):
    call = {"CallSid": sid("CA"), "AccountSid": ACCOUNT_SID, "From": "+919800040001", "To": "+18005550100",
            "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    with database_write_lock(app) as lock:
        response = twilio_post("/ivr/voice", call)
    assert not lock["released_early"]  # the answer came while the lock was held, not after it
    assert response.status_code == 200 and is_apology(response)


def test_staff_pages_and_jobs_keep_the_patient_wait(app):
    """Only webhooks are hurried: elsewhere a transaction still waits up to 15 s for a lock."""
    if db.engine.dialect.name != "sqlite":
        return
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
