"""Forward to a friend: typed after an item, called inside calling hours once, refused with a spoken reason."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audio.models import Lesson
from campaigns import analytics, forwards
from campaigns.models import Forward
from core.db import db, utcnow
from core.metrics import Filters
from core.models import Contact
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson

IST = ZoneInfo("Asia/Kolkata")
SHARER, FRIEND = "+919812300301", "+919876543210"


@pytest.fixture
def clock(app):
    """clock(hour): the campaign clock shows today at that local hour (restored afterwards)."""
    saved = app.config["CLOCK_OFFSET_SECONDS"]

    def pin(hour: int, days: int = 0) -> None:
        moment = datetime.now(IST).replace(hour=hour, minute=0, second=0) + timedelta(days=days)
        app.config["CLOCK_OFFSET_SECONDS"] = (moment - utcnow()).total_seconds()

    yield pin
    app.config["CLOCK_OFFSET_SECONDS"] = saved


@pytest.fixture
def story():
    make_contact(phone=SHARER, language_code="en", role=Contact.MASON, district="Sitapur", name="Meena")
    return make_lesson("Soak pit story", topic=None, kind=Lesson.STORY, segments=1)


def share(twilio_post, number: str) -> Phone:
    call = Phone(twilio_post, SHARER).dial().press("2").stay_silent()
    assert "To share this with a colleague, press 8." in call.said
    assert "Type your colleague's ten-digit mobile number" in call.press("8").said
    return call.press(number)


def test_a_forward_is_placed_once_inside_calling_hours_and_the_friend_can_stop_calls(
    twilio_post, twilio_server, work, clock, story
):
    clock(12)
    assert "We will call your colleague" in share(twilio_post, FRIEND[3:]).said
    work("campaigns")
    assert forwards.place_due() == 0  # already placed: never a second call
    [placed] = twilio_server.created("Calls")
    assert placed["form"]["To"] == FRIEND
    friend = Phone(twilio_post, FRIEND, direction="outbound-api").post(placed["form"]["Url"])
    assert "Your colleague Meena shared a story from Chaupal with you." in friend.said
    assert any("/media/lessons/" in url for url in friend.played)
    assert "If you want no more calls from Chaupal, press 3." in friend.said
    friend.press("3")
    assert db.session.scalar(select(Contact.opted_out_at).filter_by(phone=FRIEND)) is not None
    assert "We will not call or message you any more" in friend.said


def test_a_forward_asked_for_at_night_waits_for_calling_hours(twilio_post, twilio_server, work, clock, story):
    clock(22)
    share(twilio_post, FRIEND[3:])
    work("campaigns")
    assert twilio_server.created("Calls") == []
    clock(10, days=1)
    clock_hour_is_open = forwards.place_due()
    assert clock_hour_is_open == 1 and len(twilio_server.created("Calls")) == 1


def test_an_opted_out_number_is_refused_with_a_spoken_reason(twilio_post, twilio_server, work, clock, story):
    clock(12)
    make_contact(phone=FRIEND, opted_out_at=utcnow())
    assert "This number has stopped calls from Chaupal" in share(twilio_post, FRIEND[3:]).said
    work("campaigns")
    assert twilio_server.created("Calls") == [] and db.session.scalar(select(Forward.id)) is None


def test_over_the_daily_limit_a_forward_is_refused_with_a_spoken_reason(
    app, twilio_post, clock, story, monkeypatch
):
    clock(12)
    monkeypatch.setitem(app.config, "FORWARDS_PER_DAY", "1")
    assert "We will call your colleague" in share(twilio_post, "9876543211").said
    assert "You have shared as many times as you can today" in share(twilio_post, "9876543212").said
    assert len(db.session.scalars(select(Forward)).all()) == 1


def test_a_mistyped_number_is_asked_again_and_forwards_count_in_horizontal_reach(twilio_post, clock, story):
    clock(12)
    assert "That is not a ten-digit mobile number." in share(twilio_post, "12345").said
    share(twilio_post, FRIEND[3:])
    today = datetime.now(IST).date()
    table = analytics.horizontal_reach(Filters(today - timedelta(days=1), today + timedelta(days=1), IST))
    assert table.rows == [("Sitapur", 1, 0, 1, 0)]
