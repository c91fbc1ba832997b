"""Stories are shared only as the caller consented on the phone: named, anonymous, or trainers only."""

import pytest
from sqlalchemy import select

from audio import lesson_library
from audio.models import Lesson, Recording
from core.db import db
from ivr.models import Consent
from tests.factories import make_contact
from tests.ivr_fixtures import Phone
from tests.privacy_fixtures import record_story


@pytest.fixture
def story(twilio_post, twilio_server, work, audio_files):
    """story(consent key) -> the READY recording of a story recorded on the phone with that key."""

    def record(key: str) -> Recording:
        caller = make_contact(phone="+919812366601", name="Ramesh", language_code="en")
        call = Phone(twilio_post, caller=caller.phone).dial()
        recording_sid = record_story(call, twilio_server, audio_files.speech_wav.read_bytes(), key)
        call.hang_up()
        work("audio")
        db.session.expire_all()
        recording = db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))
        assert recording.status == Recording.READY, recording.reason_detail
        return recording

    return record


def test_named_consent_keeps_the_name_and_the_phone_says_it(story, twilio_post):
    recording = story("1")
    assert recording.consent == Recording.NAMED == db.session.scalar(select(Consent.choice))
    lesson = lesson_library.publish_story_from_recording(
        recording.id, "Pit lining", "en", contributor_name="Ramesh"
    )
    assert lesson.contributor_name == "Ramesh"
    listener = Phone(twilio_post, caller="+919812366602")
    listener.dial().press("2").press("2")  # the only story plays at once
    assert "A story from Ramesh." in listener.said


def test_anonymous_consent_drops_the_name_even_if_a_curator_types_it(story, twilio_post):
    recording = story("2")
    assert recording.consent == Recording.ANONYMOUS
    lesson = lesson_library.publish_story_from_recording(
        recording.id, "Pit lining", "en", contributor_name="Ramesh"
    )
    assert lesson.contributor_name == "" and lesson.status == Lesson.PUBLISHED
    listener = Phone(twilio_post, caller="+919812366603")
    listener.dial().press("2").press("2")  # the only story plays at once
    assert "Ramesh" not in " ".join(listener.transcript) and listener.played


def test_trainers_only_consent_can_never_become_a_story(story):
    recording = story("3")
    assert recording.consent == Recording.TRAINERS_ONLY
    with pytest.raises(lesson_library.LibraryError, match="trainers only"):
        lesson_library.publish_story_from_recording(recording.id, "Pit lining", "en")
    assert db.session.scalar(select(Lesson).filter_by(kind=Lesson.STORY)) is None
