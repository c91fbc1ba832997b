"""Twilio retries a webhook it got no answer to: a replayed listening step must not count twice."""

from sqlalchemy import func, select

from core.db import db
from ivr.models import ListenEvent
from tests.helpers import PUBLIC_BASE_URL
from tests.ivr_fixtures import Phone, make_lesson


def listen_events() -> list[tuple]:
    query = select(ListenEvent.lesson_id, ListenEvent.segment_position, ListenEvent.event)
    return sorted(db.session.execute(query.order_by(ListenEvent.id)).all())


def playing(twilio_post) -> Phone:
    """A caller on the first segment of the only lesson (its key 1 on the main menu plays it)."""
    make_lesson(segments=3)
    phone = Phone(twilio_post, caller="+919800070011").dial()
    phone.press("2")  # English
    phone.press("1")  # the next lesson: its first segment
    assert "/ivr/key/play" in phone.twiml.find("Gather").get("action")
    return phone


def test_the_same_signed_key_press_delivered_twice_adds_its_events_once(twilio_post):
    phone = playing(twilio_post)
    action = phone.twiml.find("Gather").get("action")
    phone.post(action, Digits="#")  # skip: segment 0 skipped, segment 1 started
    once = listen_events()
    assert (once[-1][1], once[-1][2]) == (1, ListenEvent.START)
    phone.post(action, Digits="#")  # Twilio's retry of the same request
    assert listen_events() == once


def test_the_same_silence_delivered_twice_adds_its_events_once(twilio_post):
    phone = playing(twilio_post)
    silence = phone.twiml.find("Redirect").text
    phone.post(silence)  # segment 0 complete, segment 1 started
    once = listen_events()
    phone.post(silence)
    assert listen_events() == once
    assert db.session.scalar(select(func.count()).select_from(ListenEvent)) == len(once)


def test_repeating_a_segment_twice_counts_both_starts(twilio_post):
    """Key 0 pressed twice on the same screen is two requests (each rendering has its own URL)."""
    phone = playing(twilio_post)
    phone.press("0").press("0")
    starts = [row for row in listen_events() if row[1:] == (0, ListenEvent.START)]
    assert len(starts) == 3
    assert phone.twiml.find("Gather").get("action").startswith(PUBLIC_BASE_URL + "/ivr/key/play")
