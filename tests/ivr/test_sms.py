"""Inbound SMS: keywords in English and Hindi, the suppression list, callbacks, free text for curators."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core import people, queue
from core.db import db, utcnow
from core.models import Contact, SuppressionEvent
from ivr import sms
from ivr.models import Callback, SmsMessage
from tests.factories import make_contact
from tests.helpers import ACCOUNT_SID
from tests.ivr_fixtures import LINE_NUMBER, sid

NUMBER = "+919812300001"


@pytest.fixture
def text(twilio_post):
    """text(body, sender) -> (status, reply or None), posted as Twilio posts an incoming SMS."""

    def send(body: str, sender: str = NUMBER, message_sid: str | None = None, **extra):
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid("SM") if message_sid is None else message_sid,
            "From": sender,
            "To": LINE_NUMBER,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        response = twilio_post("/sms/incoming", params)
        if response.status_code != 200:
            return response.status_code, None
        assert response.mimetype == "text/xml"
        root = ET.fromstring(response.get_data())
        assert root.tag == "Response"
        message = root.find("Message")
        return 200, None if message is None else message.text

    return send


def contact(phone: str = NUMBER) -> Contact | None:
    db.session.expire_all()
    return db.session.scalar(select(Contact).filter_by(phone=phone))


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", SmsMessage.STOP),
        ("  stop  ", SmsMessage.STOP),
        ("Stop!", SmsMessage.STOP),
        ("S T O P", SmsMessage.STOP),
        ("unsubscribe", SmsMessage.STOP),
        ("End", SmsMessage.STOP),
        ("QUIT", SmsMessage.STOP),
        ("cancel", SmsMessage.STOP),
        ("STOPALL", SmsMessage.STOP),
        ("रोकें", SmsMessage.STOP),
        (" बंद ", SmsMessage.STOP),
        ("बन्द", SmsMessage.STOP),
        ("बंद करें", SmsMessage.STOP),
        ("BAND", SmsMessage.STOP),
        ("JOIN", SmsMessage.JOIN),
        ("start", SmsMessage.JOIN),
        ("शुरू", SmsMessage.JOIN),
        ("शुरू करें।", SmsMessage.JOIN),
        ("HELP", SmsMessage.HELP),
        ("मदद", SmsMessage.HELP),
        ("सहायता", SmsMessage.HELP),
        ("CALL ME", SmsMessage.CALL_ME),
        ("callme", SmsMessage.CALL_ME),
        ("Call  me.", SmsMessage.CALL_ME),
        ("कॉल करें", SmsMessage.CALL_ME),
        ("कॉलकरें", SmsMessage.CALL_ME),
        ("stop sending me lessons about pits", SmsMessage.TEXT),
        ("the pit is full", SmsMessage.TEXT),
        ("", SmsMessage.TEXT),
        ("रोकें कृपया और", SmsMessage.TEXT),
    ],
)
def test_keywords_in_english_and_hindi_any_case_and_spacing(body, keyword):
    assert sms.understand(body) == keyword


def test_hindi_stop_opts_out_a_known_contact_and_replies_in_hindi(text):
    make_contact(phone=NUMBER, language_code="hi")
    status, reply = text(" रोकें ")
    assert status == 200 and reply.startswith("चौपाल: हमारे संदेश और कॉल बंद")
    assert contact().opted_out_at is not None
    event = db.session.scalar(select(SuppressionEvent))
    assert (event.action, event.source) == (SuppressionEvent.OPT_OUT, SuppressionEvent.SMS)


def test_english_stop_is_answered_by_twilio_so_we_only_update_our_list(text):
    make_contact(phone=NUMBER, language_code="en")
    assert text("STOP") == (200, None)  # Twilio's own reply has gone out; a second would be refused
    assert contact().opted_out_at is not None
    assert text("stop.")[1].startswith(
        "Chaupal: you will get no more"
    )  # not one exact word: Twilio was silent


def test_without_twilio_opt_out_handling_we_answer_english_keywords(app, text):
    make_contact(phone=NUMBER, language_code="en")
    app.config["TWILIO_HANDLES_OPT_OUT"] = "no"
    try:
        assert text("STOP")[1].startswith("Chaupal: you will get no more messages")
        assert text("START")[1].startswith("Chaupal: welcome!")
    finally:
        app.config["TWILIO_HANDLES_OPT_OUT"] = "yes"
    assert contact().opted_out_at is None


def test_join_resubscribes_and_the_history_is_kept(text):
    make_contact(phone=NUMBER, language_code="hi")
    text("बंद")
    status, reply = text("शुरू")
    assert reply.startswith("चौपाल: स्वागत है")
    assert contact().opted_out_at is None
    actions = db.session.scalars(select(SuppressionEvent.action).order_by(SuppressionEvent.id)).all()
    assert actions == [SuppressionEvent.OPT_OUT, SuppressionEvent.OPT_IN]


def test_unknown_number_becomes_a_contact_registered_by_phone(text):
    status, reply = text("मदद", sender="+919812300002")
    new = contact("+919812300002")
    assert new.created_by == Contact.SELF_REGISTERED and new.language_code is None
    assert reply.startswith("चौपाल: सीखने की मुफ़्त लाइन")  # the language the message was written in


def test_call_me_requests_one_callback_even_when_twilio_retries(text, work, twilio_server):
    caller = make_contact(phone=NUMBER, language_code="en")
    message_sid = sid("SM")
    assert text("Call me", message_sid=message_sid)[1] == "Chaupal: we will call you within a minute."
    assert text("Call me", message_sid=message_sid)[1] == "Chaupal: we will call you within a minute."
    [callback] = db.session.scalars(select(Callback)).all()
    assert callback.contact_id == caller.id and callback.missed_call_sid == message_sid
    assert db.session.scalar(select(func.count()).select_from(SmsMessage)) == 1
    work("default")
    [placed] = twilio_server.created("Calls")
    assert placed["form"]["To"] == NUMBER and placed["form"]["Url"].endswith("/ivr/voice")


def test_stop_then_call_me_and_a_callback_job_reach_nobody(text, work, twilio_server):
    """Done when: after STOP nothing calls or messages the number (campaigns add their send-time check)."""
    caller = make_contact(phone=NUMBER, language_code="en")
    text("STOP")
    assert not people.may_contact(caller.id)
    assert text("CALL ME")[1].startswith("Chaupal: you have stopped our calls")
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 0
    # a callback queued before the STOP (a missed call a moment earlier) is refused at send time
    callback = Callback(contact_id=caller.id, missed_call_sid=sid("CA"))
    db.session.add(callback)
    db.session.commit()
    queue.enqueue_now("default", "ivr.jobs.place_callback", callback.id)
    work("default")
    db.session.expire_all()
    assert db.session.get(Callback, callback.id).status == Callback.SKIPPED
    assert twilio_server.created("Calls") == [] and twilio_server.created("Messages") == []


def test_free_text_is_kept_for_curators_with_masked_numbers(client, login, text):
    make_contact(phone=NUMBER, name="Ramesh", language_code="hi")
    assert text("गड्ढा भर गया है, अब क्या करें?")[1] == "चौपाल: धन्यवाद, हमारी टीम आपका संदेश पढ़ेगी।"
    login("curator")
    page = client.get("/sms/").get_data(as_text=True)
    assert "गड्ढा भर गया है" in page and "+91••••••0001" in page and NUMBER not in page
    message = db.session.scalar(select(SmsMessage))
    form = {"csrf_token": _token(page)}
    assert client.post(f"/sms/{message.id}/read", data=form).status_code == 303
    db.session.expire_all()
    assert db.session.get(SmsMessage, message.id).status == SmsMessage.READ
    assert "गड्ढा" not in client.get("/sms/").get_data(as_text=True)


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_officers_cannot_read_texts(client, login):
    login("officer")
    assert client.get("/sms/").status_code == 403


def test_unsigned_or_incomplete_requests_are_refused(client, text):
    assert client.post("/sms/incoming", data={"MessageSid": sid("SM"), "Body": "STOP"}).status_code == 403
    assert text("STOP", message_sid="") == (400, None)


def test_opted_out_people_get_no_reply_to_free_text(text):
    make_contact(phone=NUMBER, language_code="en", opted_out_at=utcnow())
    assert text("hello") == (200, None)
    assert db.session.scalar(select(SmsMessage.body)) == "hello"


def test_a_huge_message_is_kept_cut_to_twilios_limit(text):
    assert text("क" * 50_000)[0] == 200
    assert len(db.session.scalar(select(SmsMessage.body))) == sms.MAX_BODY_CHARACTERS


any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
keywordish = st.sampled_from(["STOP", "रोकें", "CALL ME", "शुरू", "HELP", " stop ", "कॉल करें", "JOIN"])
senders = st.one_of(st.just(NUMBER), st.just(""), st.just("whatsapp:+919812300001"), any_text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(any_text, keywordish),
    sender=senders,
    extra=st.dictionaries(st.text(max_size=20), any_text, max_size=4),
)
def test_fuzz_never_a_server_error(twilio_post, body, sender, extra):
    params = {**extra, "MessageSid": sid("SM"), "From": sender, "Body": body}
    response = twilio_post("/sms/incoming", params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    if response.status_code == 200:
        assert ET.fromstring(response.get_data()).tag == "Response"
