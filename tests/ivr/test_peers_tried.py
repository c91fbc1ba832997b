"""Peers talk back: "useful" and "I tried this" after an item, the counts spoken before it, the teller thanked."""

import pytest
from sqlalchemy import select

from audio.models import Lesson, Recording
from core.db import db
from core.models import Contact
from ivr import jobs as ivr_jobs
from ivr.models import Call, TriedIt
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson, sid
from transcription.models import Recognition

HEARD_BOTH = "One worker found this useful. One worker has tried it in their work."


@pytest.fixture
def story():
    return make_lesson("Soak pit story", topic=None, kind=Lesson.STORY, segments=1)


def caller(phone: str) -> Contact:
    return make_contact(phone=phone, language_code="en", role=Contact.MASON, district="Sitapur")


def to_the_end_of_the_story(twilio_post, phone: str) -> Phone:
    call = Phone(twilio_post, phone).dial().press("2")  # one story: it plays at once
    return call.stay_silent()  # the last segment ends: the after-item menu


def test_a_listener_says_useful_and_tried_and_the_next_listener_hears_the_counts_first(twilio_post, story):
    caller("+919812300001"), caller("+919812300002")
    first = to_the_end_of_the_story(twilio_post, "+919812300001")
    assert "If you have done this in your own work, press 4." in first.said
    first.press("1").press("4")
    assert "Thank you! Knowing you have done it" in first.said
    assert "press 4" not in first.said  # said once: not offered again on this call
    second = Phone(twilio_post, "+919812300002").dial().press("2")
    assert HEARD_BOTH in second.said
    spoken = [n for n, text in enumerate(second.transcript) if "found this useful" in text]
    played = [n for n, text in enumerate(second.transcript) if "/media/lessons/" in text]
    assert spoken and played and spoken[0] < played[0]  # the counts come before the story


def test_counts_are_of_people_not_presses(twilio_post, story):
    caller("+919812300003")
    for _ in range(2):  # the same worker says so on two calls
        to_the_end_of_the_story(twilio_post, "+919812300003").press("4")
    assert db.session.scalar(select(db.func.count(TriedIt.id))) == 2
    others = [caller(f"+91981230010{n}") for n in range(2)]
    for contact in others:
        to_the_end_of_the_story(twilio_post, contact.phone).press("4")
    listener = caller("+919812300009")
    heard = Phone(twilio_post, listener.phone).dial().press("2").said
    assert "3 workers have tried it in their work." in heard
    assert "found this useful" not in heard  # a zero count is not spoken


def test_the_teller_is_thanked_once_when_five_workers_have_tried_their_story(work, twilio_server, story):
    teller = make_contact(phone="+919812300050", language_code="en")
    recording = Recording(recording_sid=sid("RE"), contact_id=teller.id, kind=Recording.STORY, status="ready")
    db.session.add(recording)
    db.session.flush()
    story.source_recording_id = recording.id
    for contact in [teller, *[make_contact(phone=f"+91981230006{n}") for n in range(5)]]:
        call = Call(call_sid=sid("CA"), contact_id=contact.id)
        db.session.add(call)
        db.session.flush()
        db.session.add(TriedIt(call_id=call.id, contact_id=contact.id, lesson_id=story.id))
    db.session.commit()
    assert ivr_jobs.send_listen_milestones() == 1  # the teller's own press does not count
    assert ivr_jobs.send_listen_milestones() == 0
    work("default")
    [sms] = twilio_server.created("Messages")
    assert sms["form"]["To"] == teller.phone
    assert sms["form"]["Body"] == "Chaupal: 5 workers have tried your advice in their work. Thank you!"
    assert db.session.scalar(select(Recognition.kind)) == Recognition.TRIED
