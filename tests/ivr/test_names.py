"""Callers say their name: recorded once with consent, reviewed, then played before their stories."""

import pytest
from sqlalchemy import select

from audio import store
from audio.models import Lesson, Recording
from core.db import db
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson, sid, tiny_wav
from transcription.models import Review


@pytest.fixture
def teller(twilio_post, twilio_server):
    """A caller who records a story with their name, then their name; both takes complete at Twilio."""
    contact = make_contact(language_code="en")
    story_sid, name_sid = sid("RE"), sid("RE")
    call = Phone(twilio_post, caller=contact.phone).dial().press("3").press("1").record(story_sid)
    call.recording_status(story_sid)
    call.press("1")
    assert (
        "Your story has been saved" in call.said
        and "To record your name in your own voice, press 1" in call.said
    )
    call.press("1")
    assert "say only your name" in call.said
    call.record(name_sid, seconds=2)
    call.recording_status(name_sid, seconds=2)
    call.press("1")
    assert "your stories will start with your name in your voice" in call.said
    call.hang_up()
    return contact


def recording(kind: str) -> Recording:
    return db.session.scalar(select(Recording).filter_by(kind=kind))


def published_story(teller_recording: Recording) -> Lesson:
    lesson = make_lesson("My soak pit", topic=None, kind=Lesson.STORY, contributor_name="Ramesh")
    lesson.source_recording_id = teller_recording.id
    db.session.commit()
    return lesson


def test_the_name_is_recorded_once_with_consent_and_played_before_the_story(teller, twilio_post):
    db.session.expire_all()
    story, name = recording(Recording.STORY), recording(Recording.NAME)
    assert name.consent == Recording.NAMED and name.contact_id == teller.id == story.contact_id
    store.write_bytes("recordings/name.wav", tiny_wav())
    name.status = Recording.READY
    name.playback_key = "recordings/name.wav"  # as the audio job leaves it
    db.session.commit()
    published_story(story)
    listener = Phone(twilio_post, caller="+919800099901").dial().press("2").press("2")
    assert "This story is told by:" in listener.said and "Ramesh" not in listener.said
    assert "/media/recordings/name.wav" in listener.played[0]

    db.session.add(Review(recording_id=name.id, status=Review.REJECTED))  # a curator turns it down
    db.session.commit()
    again = Phone(twilio_post, caller="+919800099902").dial().press("2").press("2")
    assert "A story from Ramesh." in again.said and not any("name.wav" in url for url in again.played)


def test_the_name_is_not_asked_again_once_recorded(teller, twilio_post):
    call = Phone(twilio_post, caller=teller.phone).dial().press("3").press("1").record(sid("RE")).press("1")
    assert "Your story has been saved" in call.said and "your name in your own voice" not in call.said
