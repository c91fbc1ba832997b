"""Village-meeting mode: a motivator's headcount, a lesson with pauses for discussion, a hand-count poll, group reach."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from campaigns import polls
from core.metrics import Filters
from core.models import Contact
from ivr import meetings
from tests.factories import make_contact, make_staff
from tests.helpers import PUBLIC_BASE_URL
from tests.ivr_fixtures import Phone, make_lesson

IST = ZoneInfo("Asia/Kolkata")
QUESTION = "Does every house in your village have a toilet? Raise your hand for yes or for no."


def test_a_meeting_of_25_adds_25_group_listeners_and_counts_raised_hands(twilio_post):
    lesson = make_lesson("Pit lining", segments=2)
    make_lesson("Soak pit", position=1, segments=1)
    poll = polls.create(
        "Toilets", [polls.QuestionForm("", QUESTION, "Yes | No")], False, make_staff("officer")
    )
    polls.attach_after_lesson(poll, lesson.id)
    motivator = make_contact(language_code="en", role=Contact.MOTIVATOR, district="Sitapur")
    call = Phone(twilio_post, motivator.phone).dial()
    assert "To play a lesson to a village meeting, press 8." in call.said
    assert "How many people are listening now?" in call.press("8").said
    call.press("25").press("1")  # 25 people; the first lesson
    assert any("/media/lessons/" in url for url in call.played)
    call.stay_silent()
    assert "When the group is ready to go on, press 1." in call.said
    assert call.twiml.find("Gather").get("timeout") == str(meetings.GROUP_SECONDS)  # a group takes its time
    call.press("1").stay_silent().press("1")
    assert "To count raised hands for a few questions, press 4." in call.said
    assert QUESTION in call.press("4").said and "Choice 1: Yes." in call.said
    assert "Choice 2: No." in call.press("18").said
    assert "Thank you for your answers." in call.press("7").said
    assert "Thank you for bringing Chaupal to the meeting." in call.press("*").said
    assert meetings.group_listeners(lesson.id) == 25
    today = datetime.now(IST).date()
    table = meetings.group_listening(Filters(today - timedelta(days=1), today + timedelta(days=1), IST))
    assert table.rows == [("Pit lining (en)", 1, 25)]
    assert polls.results(poll.questions[0]).rows == [("Yes", 18, 72.0), ("No", 7, 28.0)]


def test_only_a_motivator_can_start_a_meeting(twilio_post):
    make_lesson("Pit lining", segments=1)
    mason = make_contact(language_code="en", role=Contact.MASON, district="Sitapur")
    call = Phone(twilio_post, mason.phone).dial()
    assert "village meeting" not in call.said
    call.post(f"{PUBLIC_BASE_URL}/ivr/step/meeting")
    assert "How many people are listening" not in call.said and "For workers' stories, press 2." in call.said


def test_a_headcount_outside_1_to_500_is_asked_again(twilio_post):
    make_lesson("Pit lining", segments=1)
    motivator = make_contact(language_code="en", role=Contact.MOTIVATOR, district="Sitapur")
    call = Phone(twilio_post, motivator.phone).dial().press("8").press("900")
    assert "Please type a number from 1 to 500." in call.said and "How many people" in call.said
