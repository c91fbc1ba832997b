"""Consent, <Record>, listen back, re-record: only kept takes reach curators, whatever the event order."""

import pytest
from sqlalchemy import func, select

from audio.models import Recording
from core import queue
from core.db import db
from ivr.models import Consent, RecordingTake
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson, sid


@pytest.fixture
def phone(twilio_post):
    return lambda **kwargs: Phone(twilio_post, **kwargs)


@pytest.fixture
def caller():
    return make_contact(phone="+919800044444", language_code="en")


def recordings() -> list[Recording]:
    db.session.expire_all()
    return list(db.session.scalars(select(Recording).order_by(Recording.id)))


def audio_jobs() -> list:
    return [
        job for job in queue.get_queue("audio").get_jobs() if job.func_name == "audio.jobs.fetch_recording"
    ]


def take(recording_sid: str) -> RecordingTake:
    db.session.expire_all()
    return db.session.scalar(select(RecordingTake).filter_by(recording_sid=recording_sid))


def test_consent_refused_means_no_record(phone, caller):
    call = phone(caller=caller.phone).dial().press("3")
    assert "To share it with your name, press 1" in call.said
    call.press("*")
    assert "nothing was recorded" in call.said and call.twiml.find("Record") is None
    consent = db.session.scalar(select(Consent))
    assert (consent.choice, consent.key, consent.kind) == (Consent.DECLINED, "*", "story")
    declined = call.post(
        call.twiml.find("Gather").get("action").split("/ivr/")[0] + f"/ivr/step/record?consent={consent.id}"
    )
    assert declined.twiml.find("Record") is None and "To listen to lessons" in declined.said


def test_consent_record_keeps_what_was_asked(phone, caller):
    call = phone(caller=caller.phone).dial().press("3").press("2")
    consent = db.session.scalar(select(Consent))
    assert consent.choice == Consent.ANONYMOUS and consent.key == "2" and consent.language_code == "en"
    assert consent.prompt_id == "consent_story" and consent.prompt_version == 1
    assert consent.prompt_text.startswith("Other workers on this line may hear your story")
    assert consent.call_sid == call.call_sid and consent.contact_id == caller.id
    record = call.twiml.find("Record")
    assert record.get("finishOnKey") == "#" and record.get("trim") == "trim-silence"
    assert record.get("maxLength") == "120"
    assert record.get("recordingStatusCallback").endswith(f"/ivr/recording-status?consent={consent.id}")


def test_story_recorded_listened_to_re_recorded_and_kept(phone, caller, work, twilio_server):
    first, second = sid("RE"), sid("RE")
    twilio_server.add_recording(first, (200, b"RIFF"))
    call = phone(caller=caller.phone).dial().press("3").press("1").record(first)
    assert "To keep your recording, press 1" in call.said
    call.press("2")
    assert call.played == [call.recording_fields(first, 14)["RecordingUrl"]]
    call.recording_status(first)  # the first take's file is ready while the caller decides
    assert recordings() == []
    call.press("3")  # record again
    assert call.twiml.find("Record") is not None
    call.record(second).press("1")
    assert "Your story has been saved" in call.said and "your name in your own voice" in call.said  # named
    assert recordings() == []  # kept, but the file is not complete yet
    call.recording_status(second)

    [kept] = recordings()
    assert (kept.recording_sid, kept.kind, kept.consent, kept.contact_id) == (
        second,
        "story",
        "named",
        caller.id,
    )
    assert kept.call_sid == call.call_sid and kept.language_code == "en" and kept.reported_seconds == 14
    assert len(audio_jobs()) == 1
    assert take(first).decision == RecordingTake.DISCARDED and take(second).recording_id == kept.id

    work("default")  # the discarded take is deleted at Twilio too
    assert [r["sid"] for r in twilio_server.requests if r["kind"] == "DeleteRecording"] == [first]
    assert take(first).deleted_at is not None


def test_status_callback_before_the_record_action(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("4").press("3")
    call.recording_status(recording)
    call.record(recording).press("1")
    assert "Your question has been saved" in call.said
    [kept] = recordings()
    assert kept.kind == "question" and kept.consent == "trainers_only"


def test_question_about_a_lesson_carries_the_lesson(phone, caller):
    lesson = make_lesson("Twin pit spacing", segments=1)
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("1").press("1").press("1").press("#")
    call.press("3")
    assert "Our experts will listen to your question" in call.said
    call.press("1").record(recording).press("1")
    call.recording_status(recording)
    [kept] = recordings()
    assert (kept.kind, kept.lesson_id, kept.topic_id) == ("question", lesson.id, lesson.topic_id)


def test_hang_up_mid_recording_keeps_the_recording(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("1")
    call.record(recording, hung_up=True)
    call.hang_up()
    assert recordings() == []
    call.recording_status(recording)
    [kept] = recordings()
    assert kept.recording_sid == recording and take(recording).decision == RecordingTake.KEPT


def test_hang_up_with_only_the_status_callback_arriving_later(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("2")
    call.hang_up()
    call.recording_status(recording)
    assert [r.recording_sid for r in recordings()] == [recording]


def test_hang_up_at_the_review_keeps_the_take_already_complete(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("1").record(recording)
    call.recording_status(recording)
    assert recordings() == []
    call.hang_up()
    assert [r.recording_sid for r in recordings()] == [recording]


def test_discard_by_star_never_reaches_curators(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("1").record(recording).press("*")
    assert "The recording was deleted" in call.said
    call.hang_up()
    call.recording_status(recording)
    assert recordings() == [] and audio_jobs() == []


def test_duplicate_recording_callbacks_make_one_row_and_one_job(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("1").record(recording).press("1")
    call.recording_status(recording)
    call.recording_status(recording)
    call.post(call.last_record.get("action"), **call.recording_fields(recording, 14), Digits="#")  # a retry
    assert len(recordings()) == 1 and len(audio_jobs()) == 1
    assert db.session.scalar(select(func.count()).select_from(RecordingTake)) == 1


def test_only_completed_recordings_are_registered(phone, caller):
    recording = sid("RE")
    call = phone(caller=caller.phone).dial().press("3").press("1").record(recording).press("1")
    call.recording_status(recording, status="absent")
    assert recordings() == [] and take(recording).twilio_status == "absent"


def test_silence_instead_of_a_story_offers_another_try(phone, caller):
    call = phone(caller=caller.phone).dial().press("3").press("1")
    call.post(call.twiml.find("Redirect").text)  # <Record> heard nothing and fell through
    assert "We did not hear anything" in call.said
    call.press("1")
    assert call.twiml.find("Record") is not None
