"""Replayed webhooks change nothing: consent and opt-outs stay as the person last chose.

Attacks reproduced (issue 17, items 5 and 16): the same signed JOIN delivered again after a STOP opted
the person back in; "9 then 1" delivered twice turned an opt-out back into an opt-in; 500 replays of
one consent key press made 500 rows. Twilio retries, and anyone who saw a signed request can replay it.
"""

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Contact, SuppressionEvent
from ivr.models import Consent, Erasure, SmsMessage
from tests.factories import make_contact
from tests.helpers import ACCOUNT_SID, PUBLIC_BASE_URL
from tests.ivr_fixtures import LINE_NUMBER, Phone, sid

REPLAYS = 50


@pytest.fixture
def contact(app):
    return make_contact(language_code="en")


@pytest.fixture
def text(twilio_post, contact):
    """text(body, message_sid) -> the HTTP status, posted and signed as Twilio posts an incoming SMS."""

    def send(body: str, message_sid: str) -> int:
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": message_sid,
            "From": contact.phone,
            "To": LINE_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        return twilio_post("/sms/incoming", params).status_code

    return send


def opted_out(contact_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Contact, contact_id).opted_out_at is not None


def test_a_replayed_join_after_a_stop_leaves_the_person_stopped(text, contact):
    join, stop = sid("SM"), sid("SM")
    assert text("JOIN", join) == text("STOP", stop) == 200
    assert [text("JOIN", join) for _ in range(3)] == [200] * 3
    assert opted_out(contact.id)
    assert db.session.scalar(select(func.count()).select_from(SmsMessage)) == 2


def test_a_replayed_stop_after_a_join_leaves_the_person_reachable(text, contact):
    stop, join = sid("SM"), sid("SM")
    text("STOP", stop), text("JOIN", join), text("STOP", stop)
    assert not opted_out(contact.id)
    events = db.session.scalars(select(SuppressionEvent.action).order_by(SuppressionEvent.id)).all()
    assert events == ["opt_out", "opt_in"]


def key_press(twilio_post, phone: Phone, digits: str):
    """The exact request Twilio sends for a key press on the current screen (to send it again)."""
    url = phone.twiml.find("Gather").get("action").removeprefix(PUBLIC_BASE_URL)
    return lambda: twilio_post(url, phone.params(Digits=digits))


def test_nine_then_one_delivered_twice_stays_an_opt_out(twilio_post, contact):
    phone = Phone(twilio_post, caller=contact.phone).dial().press("9")
    stop = key_press(twilio_post, phone, "1")
    assert stop().status_code == 200 and opted_out(contact.id)
    assert stop().status_code == 200
    assert opted_out(contact.id)


def test_restart_delivered_twice_stays_an_opt_in(twilio_post, contact):
    contact.opted_out_at = contact.created_at
    db.session.commit()
    phone = Phone(twilio_post, caller=contact.phone).dial().press("9")
    restart = key_press(twilio_post, phone, "1")
    restart(), restart()
    assert not opted_out(contact.id)


def test_replays_of_a_consent_key_press_make_one_consent(twilio_post, contact):
    phone = Phone(twilio_post, caller=contact.phone).dial().press("3")  # record a story: consent first
    share = key_press(twilio_post, phone, "2")
    assert [share().status_code for _ in range(REPLAYS)] == [200] * REPLAYS
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 1
    decline = key_press(twilio_post, phone, "*")
    [decline() for _ in range(REPLAYS)]
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 2


def test_replays_of_the_erase_confirmation_make_one_erasure(twilio_post, contact):
    phone = Phone(twilio_post, caller=contact.phone).dial().press("9").press("2")
    confirm = key_press(twilio_post, phone, "1")
    [confirm() for _ in range(5)]
    assert db.session.scalar(select(func.count()).select_from(Erasure)) == 1
