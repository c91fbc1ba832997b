"""The webhooks' contract with Twilio: signatures, idempotency, status order, fallback, missed calls."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from audio import store
from audio.models import PromptAudio
from core import queue
from core.db import db
from core.models import Contact
from ivr.models import Call, Callback
from tests.factories import make_contact
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import LINE_NUMBER, Phone, sid, tiny_wav
from tests.twilio_loopback import Fault

WEBHOOKS = [
    "/ivr/voice",
    "/ivr/status",
    "/ivr/fallback",
    "/ivr/recording-status?consent=1",
    "/ivr/key/menu",
    "/ivr/step/menu",
]


@pytest.fixture
def phone(twilio_post):
    return lambda **kwargs: Phone(twilio_post, **kwargs)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("signature", ["", "forged0signature0="])
def test_unsigned_or_forged_requests_are_refused(twilio_post, path, signature):
    response = twilio_post(path, {"CallSid": sid("CA"), "From": "+919800000009"}, signature=signature)
    assert response.status_code == 403
    assert count(Call) == 0


def test_signature_covers_the_query_string(twilio_post, client):
    params = {"CallSid": sid("CA"), "From": "+919800000009", "Digits": "1"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/ivr/key/menu?try=0", params
    )
    tampered = client.post("/ivr/key/menu?try=2", data=params, headers={"X-Twilio-Signature": signature})
    assert tampered.status_code == 403


def test_same_call_webhook_twice_makes_one_call_and_one_contact(phone):
    call = phone(caller="+919800055555")
    call.dial()
    call.dial()
    assert count(Call) == 1 and count(Contact) == 1


def test_call_status_never_moves_backwards_and_keeps_the_duration(phone, twilio_post):
    call = phone(caller="+919800055555").dial()
    call.hang_up(seconds=73)
    twilio_post("/ivr/status", call.params(CallStatus="in-progress"))
    twilio_post("/ivr/status", call.params(CallStatus="ringing"))
    row = db.session.scalar(select(Call))
    assert (row.status, row.duration_seconds) == ("completed", 73) and row.ended_at is not None


def test_status_callback_for_a_call_we_placed_creates_its_record(twilio_post):
    contact = make_contact(language_code="hi")
    params = {"CallSid": sid("CA"), "From": LINE_NUMBER, "To": contact.phone, "Direction": "outbound-api"}
    twilio_post("/ivr/status", {**params, "CallStatus": "initiated"})
    row = db.session.scalar(select(Call))
    assert (row.contact_id, row.direction, row.status) == (contact.id, Call.OUTBOUND, "initiated")


def test_every_answer_is_twiml(phone, twilio_post):
    call = phone().dial()
    for response in (
        twilio_post("/ivr/status", call.params(CallStatus="completed")),
        twilio_post("/ivr/fallback", call.params()),
        twilio_post(
            "/ivr/recording-status?consent=999",
            call.params(RecordingSid=sid("RE"), RecordingStatus="completed"),
        ),
    ):
        assert response.status_code == 200 and response.mimetype == "text/xml"
        assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="UTF-8"?><Response')


def test_fallback_answers_with_the_database_down(twilio_post, monkeypatch):
    def database_down(*_args, **_kwargs):
        raise OSError("database is down")

    monkeypatch.setattr(Engine, "connect", database_down)
    with pytest.raises(OSError):
        twilio_post("/ivr/voice", {"CallSid": sid("CA"), "From": "+919800000009"})
    response = twilio_post("/ivr/fallback", {"CallSid": sid("CA"), "From": "+919800000009"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert "technical problem" in body and "तकनीकी समस्या" in body and "<Hangup" in body


def test_uploaded_prompt_audio_is_played_instead_of_spoken(phone):
    contact = make_contact(language_code="en")
    store.write_bytes("prompts/en/menu_lessons.wav", tiny_wav())
    db.session.add(
        PromptAudio(prompt_id="menu_lessons", language_code="en", playback_key="prompts/en/menu_lessons.wav")
    )
    db.session.commit()
    call = phone(caller=contact.phone).dial()
    assert any("/media/prompts/en/menu_lessons.wav?" in url for url in call.played)
    assert "To listen to lessons" not in call.said and "For workers' stories" in call.said


def test_missed_call_is_rejected_and_called_back_with_the_same_flow(phone, work, twilio_server):
    contact = make_contact(language_code="en", missed_call_mode=True)
    missed = phone(caller=contact.phone).dial()
    assert [child.tag for child in missed.twiml] == ["Reject"] and missed.twiml[0].get("reason") == "busy"
    phone(caller=contact.phone, call_sid=missed.call_sid).dial()  # Twilio retried the webhook
    [job] = queue.get_queue("default").get_jobs()
    assert count(Callback) == 1
    assert job.func_name == "ivr.jobs.place_callback" and job.args == [db.session.scalar(select(Callback.id))]

    work("default")
    [placed] = twilio_server.created("Calls")
    assert placed["form"]["To"] == contact.phone and placed["form"]["Url"].endswith("/ivr/voice")
    assert placed["form"]["StatusCallback"].endswith("/ivr/status")
    callback = db.session.scalar(select(Callback))
    assert (callback.status, callback.call_sid) == (Callback.PLACED, placed["sid"])

    answered = phone(caller=contact.phone, direction="outbound-api", call_sid=placed["sid"]).dial()
    assert "To listen to lessons, press 1" in answered.said, answered.xml


def test_opted_out_missed_call_caller_is_answered_not_rejected(phone):
    contact = make_contact(language_code="en", missed_call_mode=True)
    contact.opted_out_at = db.func.now()
    db.session.commit()
    call = phone(caller=contact.phone).dial()
    assert call.twiml.find("Reject") is None and count(Callback) == 0


def test_callback_failures_are_kept_on_the_row(phone, work, twilio_server):
    contact = make_contact(language_code="en", missed_call_mode=True)
    twilio_server.invalid_numbers.add(contact.phone)
    phone(caller=contact.phone).dial()
    work("default")
    callback = db.session.scalar(select(Callback))
    assert callback.status == Callback.FAILED and "not a valid phone number" in callback.reason

    other = make_contact(language_code="en", missed_call_mode=True)
    twilio_server.faults.append(Fault(status=503, code=None))
    phone(caller=other.phone).dial()
    work("default")  # the retry waits for RQ's scheduler: the row is pending again, with the reason
    db.session.expire_all()
    retried = db.session.scalar(select(Callback).filter_by(contact_id=other.id))
    assert retried.status == Callback.PENDING and retried.reason


def test_admins_see_every_prompt_with_its_texts_and_audio(client, login):
    login("admin")
    db.session.add(
        PromptAudio(prompt_id="welcome", language_code="hi", playback_key="prompts/hi/welcome.wav")
    )
    db.session.commit()
    page = client.get("/ivr/prompts").get_data(as_text=True)
    assert "consent_story" in page and "चौपाल में आपका स्वागत है" in page and "Welcome to Chaupal" in page
    assert page.count("audio uploaded") == 1


def test_curators_cannot_open_the_prompt_list(client, login):
    login("curator")
    assert client.get("/ivr/prompts").status_code == 403


def test_a_signed_request_without_a_call_sid_is_a_bad_request(twilio_post):
    assert twilio_post("/ivr/voice", {"From": "+919800000009"}).status_code == 400
    assert twilio_post("/ivr/fallback", {}).status_code == 200


def test_an_unsigned_request_without_a_call_sid_is_still_forbidden(twilio_post):
    assert twilio_post("/ivr/voice", {"From": "+919800000009"}, signature="").status_code == 403


@pytest.mark.parametrize("path", ["/ivr/step/nowhere", "/ivr/key/nowhere?try=x"])
def test_unknown_steps_lead_to_the_main_menu(phone, path):
    contact = make_contact(language_code="en")
    call = phone(caller=contact.phone)
    call.post(PUBLIC_BASE_URL + path, Digits="1")
    assert "To listen to lessons, press 1" in call.said
