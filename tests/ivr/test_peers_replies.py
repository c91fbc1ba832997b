"""Replies to a story: recorded after it with consent, approved by a curator, played after it, the teller told once."""

import pytest
from sqlalchemy import select

from audio.models import Lesson, Recording
from core.db import db
from core.models import Contact
from tests.factories import make_contact, make_staff
from tests.helpers import PUBLIC_BASE_URL, csrf_token
from tests.ivr_fixtures import Phone, make_lesson, sid
from transcription import decisions
from transcription.models import Recognition

TELLER, LISTENER, LATER = "+919812300201", "+919812300202", "+919812300203"


@pytest.fixture
def story():
    teller = make_contact(phone=TELLER, language_code="en", role=Contact.MASON, district="Sitapur")
    for phone in (LISTENER, LATER):
        make_contact(phone=phone, language_code="en", role=Contact.MASON, district="Sitapur")
    told = Recording(recording_sid=sid("RE"), contact_id=teller.id, kind=Recording.STORY, status="ready")
    db.session.add(told)
    db.session.flush()
    lesson = make_lesson("Soak pit story", topic=None, kind=Lesson.STORY, segments=1)
    lesson.source_recording_id = told.id
    db.session.commit()
    return lesson


def after_the_story(twilio_post, phone: str) -> Phone:
    return Phone(twilio_post, phone).dial().press("2").stay_silent()


def record_a_reply(twilio_post, twilio_server, audio_files, work) -> Recording:
    recording_sid = sid("RE")
    url = twilio_server.add_recording(recording_sid, (200, audio_files.speech_wav.read_bytes()))
    call = after_the_story(twilio_post, LISTENER)
    assert "To reply to the worker who told this story, press 7." in call.said
    call.press("7")
    assert "may hear your reply" in call.said  # consent first, as for a story
    call.press("2")
    fields = {"RecordingSid": recording_sid, "RecordingUrl": url, "RecordingDuration": "4"}
    call.post(call.twiml.find("Record").get("action"), **fields, Digits="#").press("1")
    assert "Your reply has been saved" in call.said
    callback = call.last_record.get("recordingStatusCallback").removeprefix(PUBLIC_BASE_URL)
    assert call.post_signed(callback, call.params(**fields, RecordingStatus="completed")).status_code == 200
    work("audio")
    return db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))


def approve(client, reply: Recording):
    token = csrf_token(client, f"/review/{reply.id}")
    version = decisions.review_for(reply.id).version
    return client.post(f"/review/{reply.id}/approve-reply", data={"csrf_token": token, "version": version})


def test_a_reply_is_recorded_approved_played_after_its_story_and_its_teller_told_once(
    twilio_post, twilio_server, audio_files, work, client, login, story
):
    reply = record_a_reply(twilio_post, twilio_server, audio_files, work)
    assert (
        reply.kind == Recording.REPLY and reply.lesson_id == story.id and reply.consent == Recording.ANONYMOUS
    )
    assert "reply" not in after_the_story(twilio_post, LATER).said.replace("To reply", "")  # not yet approved
    login("curator")
    page = approve(client, reply)
    assert page.status_code == 302, page.get_data(as_text=True)
    shown = client.get(page.location).get_data(as_text=True)
    assert "its teller is told" in shown, shown[shown.find("<main") :][:3000]
    approve(client, reply)  # a second press (an old page) changes nothing
    work("default")
    [sms] = twilio_server.created("Messages")
    assert sms["form"]["To"] == TELLER and "a worker replied to your story" in sms["form"]["Body"]
    assert db.session.scalar(select(Recognition.kind)) == Recognition.REPLY
    later = after_the_story(twilio_post, LATER)
    assert "There is one reply to this story. To hear it, press 5." in later.said
    played = later.press("5").played
    assert any(f"recordings/{reply.id}/" in url for url in played)
    teller = Phone(twilio_post, TELLER).dial()
    assert "To hear the replies to your story, press 7." in teller.said
    assert any(f"recordings/{reply.id}/" in url for url in teller.press("7").played)


def test_a_reply_kept_for_trainers_is_never_published(twilio_post, twilio_server, audio_files, work, story):
    reply = record_a_reply(twilio_post, twilio_server, audio_files, work)
    reply.consent = Recording.TRAINERS_ONLY
    db.session.commit()
    with pytest.raises(decisions.ReviewError, match="trainers only"):
        decisions.approve_reply(reply.id, decisions.review_for(reply.id).version, make_staff("curator"))


def test_the_review_queue_filters_replies(client, login):
    login("curator")
    page = client.get("/review/?kind=reply").get_data(as_text=True)
    assert '<option value="reply" selected>reply</option>' in page
