"""Experts answer by phone: recognised by their account's number, they hear a question and record the answer."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from audio.models import Recording
from core.db import db, utcnow
from core.models import Topic
from ivr.simulator import FlaskTransport, SimulatedCall
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import sid
from tests.transcription_fixtures import speech_wav
from transcription import helpdesk
from transcription.models import ExpertTopic, Question

EXPERT_PHONE, ASKER = "+919800077700", "+919800077711"


def eleven_in_the_morning(app, monkeypatch) -> None:
    zone = ZoneInfo(app.config["TIMEZONE"])
    eleven = datetime.combine(datetime.now(zone).date(), time(11), tzinfo=zone)
    monkeypatch.setitem(app.config, "CLOCK_OFFSET_SECONDS", (eleven - utcnow()).total_seconds())


def a_question(media_fixtures, topic: str) -> Question:
    asker = make_contact(phone=ASKER, language_code="en")
    recording = make_processed_recording(
        speech_wav(media_fixtures, "how far from the well", voice="en"),
        kind=Recording.QUESTION,
        language_code="en",
        consent=Recording.ANONYMOUS,
        contact_id=asker.id,
    )
    question = helpdesk.route_question(
        recording, db.session.scalar(select(Topic.id).filter_by(slug=topic)), None
    )
    db.session.commit()
    return question


def expert_on(topic: str, phone: str = EXPERT_PHONE):
    expert = make_staff("officer", is_expert=True, phone=phone)
    make_contact(phone=phone, language_code="en")  # the line speaks to them in the language they chose
    db.session.add(
        ExpertTopic(staff_id=expert.id, topic_id=db.session.scalar(select(Topic.id).filter_by(slug=topic)))
    )
    db.session.commit()
    return expert


def test_an_expert_calling_from_their_phone_answers_a_waiting_question_and_it_reaches_the_asker(
    app, monkeypatch, media_fixtures, twilio_server, work
):
    eleven_in_the_morning(app, monkeypatch)
    question = a_question(media_fixtures, "twin-pit")
    expert = expert_on("twin-pit")
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, EXPERT_PHONE)
    turn = call.start()
    said = " ".join(h.text for h in turn.heard)
    assert "Questions waiting for an answer in your topics: 1." in said, said
    turn = call.press("1")
    played = [h.url for h in turn.heard if h.kind == "play"]
    assert played and question.recording.playback_key in played[0]
    turn = call.press("1")
    assert turn.waiting == "record"
    answer = speech_wav(media_fixtures, "at least ten metres", voice="en").read_bytes()
    recording_sid = sid("RE")
    turn = call.record(recording_sid, twilio_server.add_recording(recording_sid, (200, answer)), 3.0)
    assert any("To send this answer, press 1." in h.text for h in turn.heard)
    turn = call.press("1")
    assert any("Your answer will be played to the caller who asked." in h.text for h in turn.heard)
    work("default")  # the answer is fetched and saved, then the asker is called back
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.answer_key and question.expert_id == expert.id
    assert [c["form"]["To"] for c in twilio_server.created("Calls")] == [ASKER]


def test_an_expert_hears_only_their_topics_and_others_get_the_callers_menu(app, media_fixtures):
    a_question(media_fixtures, "handwashing")
    expert_on("twin-pit")
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, EXPERT_PHONE)
    said = " ".join(h.text for h in call.start().heard)
    assert "No questions are waiting in your topics." in said
    stranger = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800077799")
    assert "questions" not in " ".join(h.text for h in stranger.start().heard).lower()
    turn = call.press("2")
    assert any("To ask a question, press 4." in h.text for h in turn.heard)
