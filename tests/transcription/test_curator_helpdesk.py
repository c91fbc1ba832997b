"""The help desk end to end: a question routed to an expert, an audio answer, the callback and its SMS."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from audio.models import Lesson, Recording
from core.db import db, utcnow
from core.models import Topic
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.helpers import PUBLIC_BASE_URL, csrf_token
from tests.transcription_fixtures import speech_wav
from transcription import (
    decisions,
    helpdesk,
)
from transcription.models import ExpertTopic, Question


@pytest.fixture(autouse=True)
def in_calling_hours(app, monkeypatch):
    """Answers ring back only in calling hours: these tests run at 11:00 in TIMEZONE, whatever the time."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(app.config["TIMEZONE"])
    eleven = datetime.combine(datetime.now(zone).date(), time(11), tzinfo=zone)
    monkeypatch.setitem(app.config, "CLOCK_OFFSET_SECONDS", (eleven - utcnow()).total_seconds())


@pytest.fixture
def question(media_fixtures):
    """A caller's question, sent to the help desk under twin pits."""
    contact = make_contact(phone="+919800011122", language_code="hi")
    recording = make_processed_recording(
        speech_wav(media_fixtures, "how deep should the pit be", voice="en"),
        kind=Recording.QUESTION,
        language_code="hi",
        consent=Recording.ANONYMOUS,
        contact_id=contact.id,
    )
    twin_pit = db.session.scalar(select(Topic.id).filter_by(slug="twin-pit"))
    decisions.mark_question(recording.id, 1, make_staff("curator"), twin_pit)
    return db.session.scalar(select(Question).filter_by(recording_id=recording.id))


def answer_file(media_fixtures):
    return speech_wav(media_fixtures, "one and a half metres deep, and one metre apart", voice="en")


def post_answer(client, question, media_fixtures):
    token = csrf_token(client, f"/review/helpdesk/{question.id}")
    with answer_file(media_fixtures).open("rb") as audio:
        return client.post(
            f"/review/helpdesk/{question.id}/answer",
            data={"csrf_token": token, "audio": (audio, "answer.wav")},
            content_type="multipart/form-data",
        )


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def test_questions_reach_the_experts_of_their_topic(question):
    expert = make_staff("officer", is_expert=True)
    handwashing = db.session.scalar(select(Topic.id).filter_by(slug="handwashing"))
    helpdesk.set_expert_topics(expert, [handwashing])
    assert helpdesk.questions(expert) == []
    assert helpdesk.questions(expert, everyone=True) == [question]
    helpdesk.set_expert_topics(expert, [handwashing, question.topic_id])
    assert helpdesk.questions(expert) == [question]
    assert db.session.scalar(select(ExpertTopic.staff_id)) == expert.id


def test_an_expert_officer_may_answer_and_other_officers_may_not(client, login, question):
    login("officer")
    assert client.get("/review/helpdesk/").status_code == 403
    assert "/review/helpdesk/" not in client.get("/campaigns/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/simulator/")})
    login("officer", is_expert=True)
    assert 'href="/review/helpdesk/"' in client.get("/campaigns/").get_data(as_text=True)  # in the menu
    assert client.get(f"/review/helpdesk/{question.id}").status_code == 200
    assert client.get(f"/review/helpdesk/{question.id}/audio/question").status_code == 200
    assert client.get(f"/review/{question.recording_id}").status_code == 403  # not a curator


def test_an_answer_is_called_back_and_announced_by_sms(
    client, login, question, media_fixtures, work, twilio_server, twilio_post
):
    login("curator")
    response = post_answer(client, question, media_fixtures)
    assert response.status_code == 302
    db.session.expire_all()
    assert question.status == Question.ANSWERED and question.answer_key.startswith("recordings/")
    work("default")
    [call] = twilio_server.created("Calls")
    assert call["form"]["To"] == "+919800011122"
    assert call["form"]["Url"] == f"{PUBLIC_BASE_URL}/ivr/answer/{question.id}"
    assert call["form"]["StatusCallback"] == f"{PUBLIC_BASE_URL}/ivr/answer/{question.id}/status"
    [sms] = twilio_server.created("Messages")
    assert sms["form"]["To"] == "+919800011122" and "जवाब" in sms["form"]["Body"]

    played = twiml(twilio_post(f"/ivr/answer/{question.id}", {"CallSid": "CA1", "CallStatus": "in-progress"}))
    gather = played.find("Gather")
    asked, answer = [verb.text for verb in gather.iter("Play")]  # the caller's own question comes first
    assert "/media/" + question.recording.playback_key in asked and "/media/" + question.answer_key in answer
    assert gather.find("Say").text.startswith("नमस्ते") and gather.get("numDigits") == "1"
    db.session.expire_all()
    assert question.status == Question.DELIVERED and question.delivered_at is not None

    again = twiml(twilio_post(f"/ivr/answer/{question.id}", {"CallSid": "CA1", "Digits": "1"}))
    assert [verb.tag for verb in again.find("Gather")] == ["Play", "Say"]
    done = twiml(twilio_post(f"/ivr/answer/{question.id}", {"CallSid": "CA1", "Digits": "5"}))
    assert done.find("Hangup") is not None
    work("default")
    assert len(twilio_server.created("Calls")) == 1 and len(twilio_server.created("Messages")) == 1


def test_an_unanswered_callback_can_be_called_again(
    app, monkeypatch, client, login, question, media_fixtures, work, twilio_server, twilio_post
):
    monkeypatch.setitem(app.config, "ANSWER_CALL_ATTEMPTS", 1)  # no automatic retry: a curator calls again
    login("curator")
    post_answer(client, question, media_fixtures)
    work("default")
    twilio_post(f"/ivr/answer/{question.id}/status", {"CallSid": "CA1", "CallStatus": "no-answer"})
    db.session.expire_all()
    assert question.status == Question.FAILED and "not answered (no-answer)" in question.reason
    html = client.get(f"/review/helpdesk/{question.id}").get_data(as_text=True)
    assert "Call the asker again" in html
    client.post(
        f"/review/helpdesk/{question.id}/call-again",
        data={"csrf_token": csrf_token(client, "/review/helpdesk/")},
    )
    work("default")
    assert len(twilio_server.created("Calls")) == 2


def test_no_callback_to_an_asker_who_opted_out_before_the_call(question, media_fixtures, work, twilio_server):
    with answer_file(media_fixtures).open("rb") as audio:
        helpdesk.save_answer(question.id, audio, "answer.wav", make_staff("curator"))
    question.recording.contact.opted_out_at = utcnow()
    db.session.commit()
    work("default")
    db.session.expire_all()
    assert question.status == Question.SKIPPED and twilio_server.requests == []


def test_a_bad_answer_file_is_refused_with_a_reason(question):
    import io

    with pytest.raises(helpdesk.HelpDeskError, match="not audio we can read"):
        helpdesk.save_answer(
            question.id, io.BytesIO(b"not a wav file at all" * 50), "answer.wav", make_staff("curator")
        )
    assert db.session.get(Question, question.id).status == Question.OPEN


def test_a_transient_twilio_error_leaves_the_answer_to_be_called_again(
    question, media_fixtures, twilio_server
):
    from core.twilio import TwilioError
    from tests.twilio_loopback import Fault

    with answer_file(media_fixtures).open("rb") as audio:
        helpdesk.save_answer(question.id, audio, "answer.wav", make_staff("curator"))
    twilio_server.faults.append(Fault(503, 20500, "service unavailable"))
    with pytest.raises(TwilioError):
        helpdesk.deliver(question.id)
    assert db.session.get(Question, question.id).status == Question.ANSWERED
    helpdesk.deliver(question.id)
    assert db.session.get(Question, question.id).status == Question.CALLING


def test_question_and_answer_are_published_together_as_a_story(question, media_fixtures):
    with answer_file(media_fixtures).open("rb") as audio:
        helpdesk.save_answer(question.id, audio, "answer.wav", make_staff("curator"))
    lesson = helpdesk.publish_with_answer(question.id, "गड्ढे की गहराई", make_staff("curator"))
    assert (lesson.status, lesson.kind, lesson.source_recording_id) == (
        Lesson.PUBLISHED,
        Lesson.STORY,
        question.recording_id,
    )
    track = lesson.tracks[0]
    assert track.duration_seconds > question.recording.duration_seconds + 1
    assert db.session.get(Question, question.id).lesson_id == lesson.id
