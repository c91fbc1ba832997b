"""Small pure behaviours: SMS sizing, calling windows, weekly recurrence, the Redis rate limiter."""

import time
from datetime import datetime, timedelta

import pytest

from campaigns import dispatch, schedule, sms
from campaigns.models import Delivery
from tests.campaigns_fixtures import IST, monday


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("[" * 80, "GSM-7", 1),  # extension characters take two septets
        ("[" * 81, "GSM-7", 2),
        ("नमस्ते" * 10, "UCS-2", 1),  # 60 code units
        ("क" * 70, "UCS-2", 1),
        ("क" * 71, "UCS-2", 2),
        ("क" * 134, "UCS-2", 2),
        ("क" * 135, "UCS-2", 3),
        ("Hello ₹50", "UCS-2", 1),  # one character outside GSM-7 switches the whole SMS
        ("", "GSM-7", 0),
    ],
)
def test_sms_encoding_and_segments(text, encoding, segments):
    size = sms.measure(text)
    assert (size.encoding, size.segments) == (encoding, segments)


def test_render_fills_placeholders_and_reports_unknown_ones():
    template = "{name} जी, नया पाठ: {title}. कॉल करें {line}"
    assert sms.render(template, {"name": "सुनीता", "title": "दो गड्ढे", "line": "1800"}).startswith("सुनीता जी")
    assert sms.unknown_placeholders("Hi {nmae} {name}") == ["nmae"]


def test_window_refuses_hours_outside_nine_to_nine():
    with pytest.raises(ValueError, match="09:00 and 21:00"):
        schedule.Window.parse("08:30", "12:00")
    with pytest.raises(ValueError, match="end after"):
        schedule.Window.parse("18:00", "10:00")


def test_window_next_opening_in_local_time(app):
    window = schedule.Window.parse("10:00", "18:00")
    inside = monday(12)
    assert window.next_opening(inside) == inside
    assert window.next_opening(monday(8)) == monday(10)
    assert window.next_opening(monday(18)) == monday(10) + timedelta(days=1)
    assert window.next_opening(monday(23, 30)).astimezone(IST) == monday(10) + timedelta(days=1)


def test_next_weekly_is_strictly_after(app):
    ten = datetime(2030, 1, 1, 10).time()
    assert schedule.next_weekly(monday(10), 0, ten) == monday(10, weeks=1)
    assert schedule.next_weekly(monday(9), 0, datetime(2030, 1, 1, 10).time()) == monday(10)


def test_clock_offset_moves_campaign_time_only_when_testing(app, clock):
    clock(monday(17, 59))
    assert abs((schedule.now() - monday(17, 59)).total_seconds()) < 5
    app.config["TESTING"] = False
    try:
        assert abs((schedule.now() - datetime.now(IST)).total_seconds()) < 5
    finally:
        app.config["TESTING"] = True


def test_rate_limiter_paces_sends_evenly_a_little_under_the_limit(app, clock):
    app.config["CAMPAIGN_CALLS_PER_SECOND"] = "5"
    booked = [dispatch.try_acquire(Delivery.VOICE) for _ in range(3)]
    assert booked[0] == 0
    assert all(0 < wait <= 210 for wait in booked[1:])  # 1.015 s / 5, no burst


def test_rate_limiter_wait_then_succeeds(app, clock):
    app.config["CAMPAIGN_CALLS_PER_SECOND"] = "2"
    stamps = []
    for _ in range(5):
        assert dispatch.acquire(Delivery.VOICE)
        stamps.append(time.monotonic())
    spacing = dispatch.spacing_ms(Delivery.VOICE) / 1000  # 1.015 s / 2: slots back to back, a little apart
    assert all(stamps[i + 1] - stamps[i] >= spacing - 0.02 for i in range(4))
    assert all(stamps[i + 2] - stamps[i] >= 1.0 for i in range(3))  # never three inside one second


def test_rate_limiter_books_several_slots_for_long_sms(app):
    app.config["CAMPAIGN_SMS_SEGMENTS_PER_SECOND"] = "1"
    assert dispatch.try_acquire(Delivery.SMS, cost=3) == 0
    assert dispatch.try_acquire(Delivery.SMS, cost=1) > 3000  # three segments: three slots of 1.015 s


def test_senders_that_arrive_together_still_start_no_more_than_the_limit_in_any_second(app, clock):
    app.config["CAMPAIGN_CALLS_PER_SECOND"] = "2"
    stamps = []
    for _ in range(5):  # woken late, all at once: no slot spacing between them
        dispatch.hold_start(Delivery.VOICE)
        stamps.append(time.monotonic())
    assert stamps[1] - stamps[0] < 0.5  # two may go at once: the limit is per second, not a spacing
    assert all(stamps[i + 2] - stamps[i] >= 1.0 for i in range(3))  # never three inside one second
