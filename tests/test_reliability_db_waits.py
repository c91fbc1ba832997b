"""A database that hangs rather than fails: webhooks give up waiting in time and the caller hears the apology."""

import xml.etree.ElementTree as ET

from sqlalchemy import text

from core.db import db
from tests.conftest import ACCOUNT_SID
from tests.db_faults import database_write_lock
from tests.ivr_fixtures import sid


def is_apology(response) -> bool:
    root = ET.fromstring(response.get_data())
    return root.find("Say") is not None and root.find("Hangup") is not None


def test_a_new_call_hears_the_apology_while_the_database_is_still_locked(app, twilio_post):
    call = {"CallSid": sid("CA"), "AccountSid": ACCOUNT_SID, "From": "+919800040001", "To": "+18005550100",
            "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    with database_write_lock() as lock:
        response = twilio_post("/ivr/voice", call)
    assert not lock["released_early"]  # the answer came while the lock was held, not after it
    assert response.status_code == 200 and is_apology(response)


def test_staff_pages_and_jobs_keep_the_patient_wait(app):
    """Only webhooks are hurried: elsewhere a transaction still waits up to 15 s for a lock."""
    if db.engine.dialect.name != "sqlite":
        return
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
