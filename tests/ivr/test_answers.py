"""The help desk without hand routing: questions reach their experts, answers ring back in calling hours."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audio.models import Recording
from core import queue
from core.db import db, utcnow
from core.models import Topic
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.ivr_fixtures import Phone
from tests.transcription_fixtures import KOREAN_SPEECH, speech_wav
from transcription import helpdesk, transcribing
from transcription.models import ExpertTopic, Question, TopicKeyword

ASKER = "+919800033344"


def topic_id(slug: str) -> int:
    return db.session.scalar(select(Topic.id).filter_by(slug=slug))


def at(app, monkeypatch, local: str) -> None:
    """Set the help desk's clock to a local time (Asia/Kolkata) without waiting for it."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(app.config["TIMEZONE"]))
    monkeypatch.setitem(app.config, "CLOCK_OFFSET_SECONDS", (moment - utcnow()).total_seconds())


@pytest.fixture
def asked(media_fixtures):
    """A caller's recorded question, processed as the audio job leaves it."""
    contact = make_contact(phone=ASKER, language_code="en")
    return make_processed_recording(
        speech_wav(media_fixtures, KOREAN_SPEECH),
        kind=Recording.QUESTION,
        language_code="hi",
        consent=Recording.ANONYMOUS,
        contact_id=contact.id,
    )


@pytest.fixture
def answered(asked, media_fixtures):
    question = helpdesk.route_question(asked, topic_id("twin-pit"), None)
    db.session.commit()
    with speech_wav(media_fixtures, "one metre apart", voice="en").open("rb") as audio:
        helpdesk.save_answer(question.id, audio, "answer.wav", make_staff("curator"))
    return db.session.get(Question, question.id)


def due_jobs() -> list[str]:
    return [job.func_name for job in queue.get_queue("default").get_jobs()]


@pytest.mark.usefixtures("test_model")
def test_a_recorded_question_reaches_its_topics_experts_with_no_staff_action(asked):
    waste = topic_id("solid-waste")
    # the small test model hears "버리지 마세요" ("do not throw away") in the spoken words
    db.session.add(TopicKeyword(topic_id=waste, language_code="hi", keyword="버리*", weight=2.0))
    expert, other = make_staff("officer", is_expert=True), make_staff("officer", is_expert=True)
    db.session.add_all(
        [
            ExpertTopic(staff_id=expert.id, topic_id=waste),
            ExpertTopic(staff_id=other.id, topic_id=topic_id("handwashing")),
        ]
    )
    db.session.commit()
    transcribing.transcribe(asked)  # the transcription job, as the worker runs it
    question = db.session.scalar(select(Question).filter_by(recording_id=asked.id))
    assert question is not None and question.topic_id == waste  # from the transcript's words
    assert question in helpdesk.questions(expert) and question not in helpdesk.questions(other)
    helpdesk.route_question(asked, topic_id("handwashing"), make_staff("curator"))  # a curator re-routes
    db.session.commit()
    transcribing.transcribe(asked)  # transcribed again: the curator's routing stands
    assert db.session.get(Question, question.id).topic_id == topic_id("handwashing")


def test_an_answer_saved_at_night_rings_only_when_calling_hours_open(
    app, monkeypatch, asked, media_fixtures, twilio_server
):
    at(app, monkeypatch, "2026-12-03 22:30")
    question = helpdesk.route_question(asked, None, None)
    db.session.commit()
    with speech_wav(media_fixtures, "one metre apart", voice="en").open("rb") as audio:
        helpdesk.save_answer(question.id, audio, "answer.wav", make_staff("curator"))
    helpdesk.deliver(question.id)
    assert twilio_server.created("Calls") == [] and question.status == Question.ANSWERED
    at(app, monkeypatch, "2026-12-04 09:30")
    assert helpdesk.sweep_calls() == []
    at(app, monkeypatch, "2026-12-04 10:05")
    assert helpdesk.sweep_calls() == [question.id] and "transcription.jobs.deliver_answer" in due_jobs()
    helpdesk.deliver(question.id)
    assert len(twilio_server.created("Calls")) == 1


def test_a_missed_answer_call_is_tried_again_within_the_window_then_offered_on_the_next_call(
    app, monkeypatch, answered, twilio_server, twilio_post
):
    at(app, monkeypatch, "2026-12-04 11:00")
    helpdesk.deliver(answered.id)
    twilio_post(f"/ivr/answer/{answered.id}/status", {"CallSid": "CA1", "CallStatus": "no-answer"})
    db.session.expire_all()
    assert answered.status == Question.ANSWERED and "calling again" in answered.reason
    at(app, monkeypatch, "2026-12-04 11:10")
    helpdesk.deliver(answered.id)  # too soon: the retry waits its turn
    assert len(twilio_server.created("Calls")) == 1
    at(app, monkeypatch, "2026-12-04 11:35")
    assert helpdesk.sweep_calls() == [answered.id]
    helpdesk.deliver(answered.id)
    twilio_post(f"/ivr/answer/{answered.id}/status", {"CallSid": "CA2", "CallStatus": "busy"})
    db.session.expire_all()
    assert len(twilio_server.created("Calls")) == 2 and answered.status == Question.FAILED  # the limit

    call = Phone(twilio_post, caller=ASKER).dial()
    assert "An answer to your question is waiting. To hear it, press 1." in call.said
    call.press("1")
    played = call.played
    assert "You asked this question." in call.said and len(played) == 2
    assert "/media/" + answered.recording.playback_key in played[0] and answered.answer_key in played[1]
    db.session.expire_all()
    assert answered.status == Question.DELIVERED

    again = Phone(twilio_post, caller=ASKER).dial()
    assert "An answer to your question is waiting" not in again.said
    again.press("6")  # from the main menu: the only answer plays at once
    assert answered.answer_key in again.played[-1]


def test_no_retry_when_the_window_closes_before_it(app, monkeypatch, answered, twilio_post):
    at(app, monkeypatch, "2026-12-04 19:50")
    helpdesk.deliver(answered.id)
    twilio_post(f"/ivr/answer/{answered.id}/status", {"CallSid": "CA1", "CallStatus": "no-answer"})
    db.session.expire_all()
    assert answered.status == Question.FAILED


def test_the_answer_call_plays_the_question_before_the_answer(answered, twilio_post):
    import xml.etree.ElementTree as ET

    response = twilio_post(f"/ivr/answer/{answered.id}", {"CallSid": "CA1", "CallStatus": "in-progress"})
    gather = ET.fromstring(response.get_data()).find("Gather")
    assert [el.tag for el in gather] == ["Say", "Play", "Say", "Play", "Say"]
    assert "You asked us this question" in gather[0].text or "सवाल" in gather[0].text


def test_the_answer_call_reaches_the_question_within_the_returning_budget(app, answered):
    from urllib.parse import urlsplit

    from audio import store
    from ivr import budget
    from ivr.simulator import FlaskTransport, SimulatedCall, audio_seconds
    from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL

    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, ASKER, direction="outbound-api")
    turn = call.start(f"{PUBLIC_BASE_URL}/ivr/answer/{answered.id}")
    wait = budget.measure(
        [(turn, None)],
        lambda heard: heard.kind == "play" and "/media/recordings/" in heard.url,
        lambda url: audio_seconds(store.read_bytes(urlsplit(url).path.removeprefix("/media/"))),
    )
    assert wait.reached and wait.seconds <= budget.RETURNING_SECONDS, wait.heard


def test_a_published_question_and_answer_is_offered_once_to_callers_following_its_topic(
    answered, twilio_post
):
    follower = make_contact(phone="+919800033355", language_code="hi")
    follower.topics = [db.session.get(Topic, topic_id("twin-pit"))]
    db.session.commit()
    Phone(twilio_post, caller=follower.phone).dial().hang_up()  # an earlier call
    helpdesk.publish_with_answer(answered.id, "गड्ढों की दूरी", make_staff("curator"))
    call = Phone(twilio_post, caller=follower.phone).dial()
    assert "आपके विषय पर एक नया सवाल और विशेषज्ञ का जवाब: गड्ढों की दूरी।" in call.said
    call.press("1")
    assert call.played and "/media/lessons/" in call.played[-1]
    later = Phone(twilio_post, caller=follower.phone).dial()
    assert "नया सवाल" not in later.said
    asker = Phone(twilio_post, caller=ASKER).dial()
    assert "A new question" not in asker.said  # the asker had their own answer already
