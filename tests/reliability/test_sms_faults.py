"""Text messages when things go wrong: malformed ids never give a 500, and a STOP outlives a database outage."""

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from core import queue
from core.app import create_app
from core.db import db
from core.models import Contact
from ivr import jobs, sms_spool
from tests.db_faults import database_write_lock
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import LINE_NUMBER, sid

BAD_SIDS = ["SM" + "a" * 200, "SM\x00" + "1" * 31, "", "x"]
BAD_IDS = ["99999999999999999999", "2147483648", "9223372036854775808"]


@pytest.mark.parametrize("message_sid", BAD_SIDS)
def test_an_incoming_text_with_a_malformed_sid_is_refused_not_a_500(twilio_post, message_sid):
    params = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": message_sid,
        "From": "+919800050001",
        "To": LINE_NUMBER,
        "Body": "hello",
    }
    assert twilio_post("/sms/incoming", params).status_code == 400


@pytest.mark.parametrize("bad", BAD_IDS + ["SM" + "b" * 100])
def test_an_sms_status_with_malformed_ids_is_not_a_500(twilio_post, bad):
    params = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": bad if bad.startswith("SM") else sid("SM"),
        "MessageStatus": "delivered",
        "ErrorCode": bad,
    }
    assert twilio_post(f"/sms/status?delivery={bad}", params).status_code < 500


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("step", ["", "/played", "/feedback", "/more", "/status"])
def test_broadcast_webhooks_with_malformed_ids_are_not_a_500(twilio_post, bad, step):
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": sid("CA"),
        "CallStatus": "completed",
        "Digits": "1",
        "ErrorCode": bad,
        "CallDuration": bad,
    }
    assert twilio_post(f"/ivr/broadcast/{bad}{step}", params).status_code < 500


def stop_text(sender: str) -> dict:
    # रोकें ("stop") in Hindi: Twilio does not answer it, so the line's own reply shows.
    return {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": sid("SM"),
        "From": sender,
        "To": LINE_NUMBER,
        "Body": "रोकें",
    }


def opted_out(phone: str) -> bool:
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).filter_by(phone=phone))
    return contact is not None and contact.opted_out_at is not None


def test_a_stop_sent_while_the_database_is_locked_is_kept_and_applied_later(app, twilio_post):
    with database_write_lock() as lock:
        answer = twilio_post("/sms/incoming", stop_text("+919800050002"))
    assert not lock["released_early"] and answer.status_code == 200
    assert "बंद" in answer.get_data(as_text=True)  # the caller is told at once
    assert not opted_out("+919800050002")
    jobs.apply_spooled_sms()
    assert opted_out("+919800050002")
    assert queue.redis_connection().llen(sms_spool.SPOOL_KEY) == 0


def test_with_redis_down_too_the_stop_goes_to_a_file_and_is_applied_later(app, tmp_path):
    settings = {
        k: app.config[k]
        for k in (
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
    }
    down = create_app(
        {
            **settings,
            "CHAUPAL_ENV": "testing",
            "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:1",
        }
    )
    params = stop_text("+919800050003")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + "/sms/incoming", params)
    with database_write_lock():
        answer = down.test_client().post(
            "/sms/incoming", data=params, headers={"X-Twilio-Signature": signature}
        )
    assert answer.status_code == 200 and (tmp_path / "sms-spool.jsonl").exists()
    with down.app_context():
        jobs.apply_spooled_sms()
        jobs.apply_spooled_sms()  # a second run finds nothing left
    assert opted_out("+919800050003") and not list(tmp_path.glob("sms-spool*"))
