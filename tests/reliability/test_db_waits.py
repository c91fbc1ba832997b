"""A database that hangs rather than fails: webhooks give up waiting in time and the caller hears the apology."""

import xml.etree.ElementTree as ET

from sqlalchemy import event, text

from core.db import db
from tests.db_faults import database_write_lock
from tests.helpers import ACCOUNT_SID
from tests.ivr_fixtures import sid


def is_apology(response) -> bool:
    root = ET.fromstring(response.get_data())
    return root.find("Say") is not None and root.find("Hangup") is not None


def test_a_new_call_hears_the_apology_while_the_database_is_still_locked(app, twilio_post):
    call = {
        "CallSid": sid("CA"),
        "AccountSid": ACCOUNT_SID,
        "From": "+919800040001",
        "To": "+18005550100",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    with database_write_lock() as lock:
        response = twilio_post("/ivr/voice", call)
    assert not lock["released_early"]  # the answer came while the lock was held, not after it
    assert response.status_code == 200 and is_apology(response)


def test_staff_pages_and_jobs_keep_the_patient_wait(app):
    """Only webhooks are hurried: elsewhere a transaction waits longer for a lock (but not for ever on PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
    else:
        assert db.session.execute(text("SHOW lock_timeout")).scalar() == "10s"
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "2min"


def test_the_fallback_touches_no_database_at_all(app, twilio_post):
    """Twilio's fallback URL must answer even when every database connection is stuck."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - the statement is all we keep
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call = {
            "CallSid": sid("CA"),
            "AccountSid": ACCOUNT_SID,
            "From": "+919800040002",
            "To": "+18005550100",
        }
        response = twilio_post("/ivr/fallback", call)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and is_apology(response)
    assert statements == []
