"""Thanking contributors: an SMS in their language when a story is published, and weekly listening milestones."""

import uuid

import pytest
from sqlalchemy import select

from audio.models import Recording
from core.db import db, utcnow
from ivr import jobs as ivr_jobs
from ivr.models import Call, ListenEvent
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.transcription_fixtures import speech_wav
from transcription import (
    decisions,
    recognition,
)
from transcription.models import Recognition


@pytest.fixture
def teller(media_fixtures):
    contact = make_contact(phone="+919800033344", language_code="en", name="Meena")
    recording = make_processed_recording(
        speech_wav(media_fixtures, "we keep the soak pit clean", voice="en"),
        kind=Recording.STORY,
        language_code="en",
        contact_id=contact.id,
    )
    return contact, recording


def publish(recording) -> int:
    review = decisions.approve_story(recording.id, 1, make_staff("curator"), "Soak pit", [], None)
    return review.lesson_id


def test_a_published_story_thanks_its_teller_once_in_their_language(teller, work, twilio_server):
    contact, recording = teller
    lesson_id = publish(recording)
    recognition.story_published(lesson_id)  # a second call changes nothing
    work("default")
    [sms] = twilio_server.created("Messages")
    assert sms["form"]["To"] == contact.phone and sms["form"]["Body"].startswith(
        "Chaupal: your story is now on"
    )
    [row] = db.session.scalars(select(Recognition)).all()
    assert row.status == Recognition.SENT and row.sms_sid == sms["sid"]


@pytest.mark.parametrize("why", ["opted_out", "asked_to_stop"])
def test_no_thanks_for_a_teller_who_opted_out_or_asked_us_to_stop(teller, work, twilio_server, why):
    contact, recording = teller
    publish(recording)
    if why == "opted_out":
        contact.opted_out_at = utcnow()
        db.session.commit()
    else:
        recognition.set_preference(contact.id, False, make_staff("curator"))
    work("default")
    assert twilio_server.requests == []
    assert db.session.scalar(select(Recognition.status)) == Recognition.SKIPPED


def test_thanks_can_be_turned_off_for_everyone(teller, app, monkeypatch, twilio_server):
    monkeypatch.setitem(app.config, "RECOGNITION_MESSAGES", "off")
    publish(teller[1])
    assert db.session.scalar(select(Recognition.id)) is None


def listen(lesson_id: int, contact_id: int) -> None:
    call = Call(call_sid=f"CA{uuid.uuid4().hex}", contact_id=contact_id)
    db.session.add(call)
    db.session.flush()
    db.session.add(
        ListenEvent(
            call_id=call.id,
            contact_id=contact_id,
            lesson_id=lesson_id,
            segment_position=1,
            event=ListenEvent.START,
        )
    )
    db.session.commit()


def test_weekly_milestones_count_distinct_listeners_and_send_the_highest_once(
    teller, app, monkeypatch, work, twilio_server
):
    monkeypatch.setitem(app.config, "RECOGNITION_MILESTONES", "2, 3, 10")
    contact, recording = teller
    lesson_id = publish(recording)
    listeners = [make_contact() for _ in range(3)]
    for person in [
        *listeners,
        listeners[0],
        contact,
    ]:  # a repeat listener and the teller count once / not at all
        listen(lesson_id, person.id)
    assert ivr_jobs.send_listen_milestones() == 1
    assert ivr_jobs.send_listen_milestones() == 0
    work("default")
    bodies = [m["form"]["Body"] for m in twilio_server.created("Messages")]
    assert "Chaupal: your story was heard by 3 workers. Thank you!" in bodies
    milestones = db.session.scalars(select(Recognition.milestone).filter_by(kind=Recognition.MILESTONE)).all()
    assert milestones == [3]


def test_the_review_page_turns_thanks_off_for_a_contributor(client, login, teller):
    contact, recording = teller
    login("curator")
    from tests.helpers import csrf_token

    token = csrf_token(client, f"/review/{recording.id}")
    client.post(
        f"/review/contacts/{contact.id}/recognition",
        data={"csrf_token": token, "recognition": "off", "recording_id": recording.id},
    )
    assert recognition.wants_recognition(contact.id) is False
    assert "they asked us to stop" in client.get(f"/review/{recording.id}").get_data(as_text=True)


def test_a_short_call_speaks_the_thanks_when_calls_are_on(
    teller, app, monkeypatch, work, twilio_server, twilio_post
):
    import xml.etree.ElementTree as ET

    monkeypatch.setitem(app.config, "RECOGNITION_CALLS", "on")
    publish(teller[1])
    work("default")
    [call] = twilio_server.created("Calls")
    row = db.session.scalar(select(Recognition))
    assert (
        call["form"]["Url"].endswith(f"/ivr/thanks/{row.id}") and row.call_sid == call["sid"] and row.sms_sid
    )
    response = twilio_post(f"/ivr/thanks/{row.id}", {"CallSid": call["sid"], "CallStatus": "in-progress"})
    said = [say.text for say in ET.fromstring(response.get_data()).iter("Say")]
    assert said[0] == "Hello, this is Chaupal." and said[1].startswith("your story is now on the line")


def test_a_retry_after_a_failed_call_does_not_send_the_sms_again(teller, app, monkeypatch, twilio_server):
    from core.twilio import TwilioError
    from tests.twilio_loopback import Fault

    monkeypatch.setitem(app.config, "RECOGNITION_CALLS", "on")
    publish(teller[1])
    row = db.session.scalar(select(Recognition))
    twilio_server.faults.extend(
        [None, Fault(503, 20500, "service unavailable")]
    )  # the SMS goes, the call fails
    with pytest.raises(TwilioError):
        recognition.send(row.id)
    assert db.session.get(Recognition, row.id).status == Recognition.PENDING
    recognition.send(row.id)
    assert len(twilio_server.created("Messages")) == 1 and len(twilio_server.created("Calls")) == 1
    assert db.session.get(Recognition, row.id).status == Recognition.SENT
