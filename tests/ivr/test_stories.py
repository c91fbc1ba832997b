"""Stories from my district first, who told them, a guided story prompt, and missed-call mode by keypad."""

import pytest
from sqlalchemy import select

from audio.models import Lesson, Recording
from core.db import db
from core.models import Contact
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson


def told_by(title: str, district: str, role: str = Contact.MASON) -> Lesson:
    """A published story from a recording by a caller of that work and district."""
    teller = make_contact(role=role, district=district)
    recording = Recording(recording_sid=f"RE{title}", kind=Recording.STORY, contact_id=teller.id)
    db.session.add(recording)
    db.session.flush()
    lesson = make_lesson(title, topic=None, kind=Lesson.STORY)
    lesson.source_recording_id = recording.id
    db.session.commit()
    return lesson


@pytest.fixture
def listener(twilio_post):
    contact = make_contact(language_code="en", role=Contact.MASON, district="Gaya")
    return lambda: Phone(twilio_post, caller=contact.phone).dial()


def test_stories_from_my_district_come_first_with_their_tellers_work_and_district(listener):
    told_by("Sitapur soak pit", "Sitapur")
    told_by("Gaya pit lining", "Gaya", role=Contact.MOTIVATOR)
    call = listener().press("2")
    assert call.said.index("Gaya pit lining (en): press 1") < call.said.index(
        "Sitapur soak pit (en): press 2"
    )
    call.press("1")
    assert "Told by a motivator from Gaya district." in call.said
    call.press("6")
    assert "Told by a mason from Sitapur district." in call.said


def test_hindi_names_the_tellers_district_in_devanagari(twilio_post):
    told_by("सीतापुर की कहानी", "Sitapur")
    contact = make_contact(language_code="hi", role=Contact.MASON, district="Sitapur")
    call = Phone(twilio_post, caller=contact.phone).dial().press("2")  # the only story plays at once
    assert "काम: राजमिस्त्री। ज़िला: सीतापुर।" in call.said and "Sitapur" not in call.said


def test_the_story_prompt_guides_the_teller_and_says_how_long(listener):
    call = listener().press("3").press("2")
    assert call.twiml.find("Record") is not None
    assert "what was the problem, what you did, what happened" in call.said
    assert "Tell us what did not work too" in call.said and "up to 2 minutes" in call.said


def test_a_caller_switches_missed_call_mode_on_from_the_keypad(twilio_post):
    contact = make_contact(language_code="en")
    call = Phone(twilio_post, caller=contact.phone).dial().press("9")
    assert "To switch this on, press 4." in call.said
    call.press("4")
    assert "we will hang up and call you straight back" in call.said
    db.session.expire_all()
    assert db.session.scalar(select(Contact.missed_call_mode).filter_by(id=contact.id)) is True
    again = Phone(twilio_post, caller=contact.phone).dial()
    assert [child.tag for child in again.twiml] == ["Reject"]
