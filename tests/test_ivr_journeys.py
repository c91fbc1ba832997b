"""Whole calls walked key by key, following the TwiML's URLs exactly as Twilio does."""

import pytest
from sqlalchemy import func, select

from audio.models import Lesson
from core.db import db
from core.models import Contact, SuppressionEvent
from ivr.models import Call, Feedback, LessonProgress, ListenEvent
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson


@pytest.fixture
def phone(twilio_post):
    return lambda **kwargs: Phone(twilio_post, **kwargs)


@pytest.fixture
def english_caller():
    return make_contact(phone="+919800011111", language_code="en")


def fresh(row):
    """The row as the database has it now (requests run in their own sessions)."""
    db.session.refresh(row)
    return row


def events(lesson_id: int) -> list[tuple[int, str]]:
    query = select(ListenEvent).filter_by(lesson_id=lesson_id).order_by(ListenEvent.id)
    return [(e.segment_position, e.event) for e in db.session.scalars(query)]


def test_first_call_chooses_a_language_which_is_remembered(phone):
    first = phone(caller="+919812345678").dial()
    assert "हिन्दी के लिए 1 दबाएँ" in first.said and "For English, press 2" in first.said
    first.press("2")
    assert "Welcome to Chaupal" in first.said and "To listen to lessons, press 1" in first.said
    contact = db.session.scalar(select(Contact).filter_by(phone="+919812345678"))
    assert contact.language_code == "en" and contact.created_by == Contact.SELF_REGISTERED

    again = phone(caller="+919812345678").dial()
    assert "Welcome back to Chaupal" in again.said and "For English" not in again.said
    assert db.session.scalar(select(func.count()).select_from(Call)) == 2


def test_hindi_caller_hears_hindi_in_the_hindi_voice(phone):
    make_contact(phone="+919800022222", language_code="hi")
    call = phone(caller="+919800022222").dial()
    say = call.twiml.find("Gather/Say")
    assert say.get("language") == "hi-IN" and say.get("voice") == "Polly.Aditi"
    assert "पाठ सुनने के लिए 1 दबाएँ" in call.said


def test_star_on_the_main_menu_changes_language_and_zero_repeats(phone, english_caller):
    call = phone(caller=english_caller.phone).dial()
    call.press("0")
    assert "To listen to lessons, press 1" in call.said and "Sorry" not in call.said
    call.press("*").press("1")
    assert "पाठ सुनने के लिए 1 दबाएँ" in call.said
    assert fresh(english_caller).language_code == "hi"


def test_lessons_by_topic_with_skip_repeat_and_completion(phone, english_caller):
    lesson = make_lesson("Curing the pit lining", segments=3)
    call = phone(caller=english_caller.phone).dial().press("1")
    assert "Which topic" in call.said and "For Twin pit toilets, press 1" in call.said
    call.press("1")
    assert "For Curing the pit lining (en), press 1" in call.said
    call.press("1")
    assert "press hash to skip ahead" in call.said
    assert call.played == [call.played[0]] and f"lessons/{lesson.id}/en/segment-0.wav" in call.played[0]
    assert call.twiml.find("Gather").get("finishOnKey") == ""

    call.stay_silent()  # segment 0 played to the end
    assert "segment-1.wav" in call.played[0] and "skip ahead" not in call.said
    call.press("0")  # repeat segment 1
    assert "segment-1.wav" in call.played[0]
    call.press("#")  # skip the rest of segment 1
    assert "segment-2.wav" in call.played[0]
    call.stay_silent()
    assert "You have heard it all" in call.said and "Was this useful" in call.said

    assert events(lesson.id) == [
        (0, "start"),
        (0, "complete"),
        (1, "start"),
        (1, "start"),
        (1, "skip"),
        (2, "start"),
        (2, "complete"),
    ]
    progress = db.session.scalar(select(LessonProgress).filter_by(contact_id=english_caller.id))
    assert progress.completed_at is not None


def test_back_only_where_the_segment_allows_it(phone, english_caller):
    make_lesson("No going back", segments=2, allows_back=False)
    call = phone(caller=english_caller.phone).dial().press("1").press("1").press("1").press("1")
    assert "Sorry, that is not one of the choices" in call.said and "segment-0.wav" in call.played[0]
    make_lesson("Going back", segments=2, topic="handwashing")
    other = make_contact(language_code="en")
    call = phone(caller=other.phone).dial().press("1").press("2").press("1").stay_silent()
    call.press("1")
    assert "segment-1.wav" in call.played[0] and "Sorry" not in call.said


def test_next_and_previous_lesson_in_the_topic(phone, english_caller):
    first = make_lesson("First", position=1)
    second = make_lesson("Second", position=2)
    call = phone(caller=english_caller.phone).dial().press("1").press("1").press("1")
    assert f"lessons/{first.id}/" in call.played[0]
    call.press("6")
    assert f"lessons/{second.id}/en/segment-0.wav" in call.played[0]
    call.press("6")  # no lesson after the last: back to the list, saying so
    assert "There is nothing more" in call.said and "Which lesson" in call.said
    call.press("2").press("4")
    assert f"lessons/{first.id}/" in call.played[0]


def test_unfinished_lesson_is_offered_on_the_next_call(phone, english_caller):
    lesson = make_lesson("Soak pits", segments=3)
    call = phone(caller=english_caller.phone).dial().press("1").press("1").press("1").stay_silent()
    assert "segment-1.wav" in call.played[0]
    call.hang_up()

    again = phone(caller=english_caller.phone).dial()
    assert "Last time you were listening to Soak pits (en)" in again.said
    again.press("1")
    assert f"lessons/{lesson.id}/en/segment-1.wav" in again.played[-1]
    again.stay_silent().stay_silent()
    assert "Was this useful" in again.said
    third = phone(caller=english_caller.phone).dial()
    assert "Last time" not in third.said and "To listen to lessons" in third.said


def test_feedback_after_a_lesson(phone, english_caller):
    lesson = make_lesson("Handwashing steps", segments=1)
    call = phone(caller=english_caller.phone).dial().press("1").press("1").press("1").press("#")
    call.press("2")
    assert "Thank you. Your answer helps" in call.said and "Was this useful" not in call.said
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.lesson_id, feedback.useful, feedback.contact_id) == (lesson.id, False, english_caller.id)
    call.press("*")
    assert "Which lesson" in call.said


def test_peer_stories_name_the_contributor_only_when_set(phone, english_caller):
    make_lesson("Our village went ODF", kind=Lesson.STORY, topic=None, contributor_name="Sunita")
    call = phone(caller=english_caller.phone).dial().press("2")
    assert "For Our village went ODF (en), press 1" in call.said
    call.press("1")
    assert "A story from Sunita" in call.said


def test_empty_library_is_no_dead_end(phone, english_caller):
    call = phone(caller=english_caller.phone).dial().press("1")
    assert "There are no lessons in this language yet" in call.said and "To listen to lessons" in call.said
    call.press("2")
    assert "There are no stories yet" in call.said and call.twiml.find("Gather") is not None


def test_long_lists_page_with_eight(phone, english_caller):
    for n in range(10):
        make_lesson(f"Lesson {n}", position=n, segments=1)
    call = phone(caller=english_caller.phone).dial().press("1").press("1")
    assert "For Lesson 6 (en), press 7" in call.said and "For more choices, press 8" in call.said
    call.press("8")
    assert "For Lesson 7 (en), press 1" in call.said and "Lesson 0" not in call.said


@pytest.mark.parametrize("key", ["7", None])
def test_three_wrong_keys_or_silences_end_the_call_politely(phone, english_caller, key):
    call = phone(caller=english_caller.phone).dial()
    for attempt in range(2):
        call.press(key) if key else call.stay_silent()
        expected = "Sorry, that is not one of the choices" if key else "Sorry, we did not hear a key press"
        assert expected in call.said and "To listen to lessons" in call.said, attempt
    call.press(key) if key else call.stay_silent()
    assert call.hung_up and "Please call again later" in call.said


def test_a_right_key_resets_the_count(phone, english_caller):
    call = phone(caller=english_caller.phone).dial().press("7").press("7").press("0")
    call.press("7").press("7")
    assert not call.hung_up


def test_nine_stops_calls_and_messages_and_can_start_them_again(phone, english_caller):
    call = phone(caller=english_caller.phone).dial().press("9")
    assert "To stop all calls and messages from us, press 1" in call.said
    call.press("1")
    assert "We will not call or message you any more" in call.said and "To listen to lessons" in call.said
    assert fresh(english_caller).opted_out_at is not None

    call.press("9")
    assert "To start them again, press 1" in call.said
    call.press("1")
    assert "You will get our calls and messages again" in call.said
    assert fresh(english_caller).opted_out_at is None
    history = db.session.scalars(select(SuppressionEvent).order_by(SuppressionEvent.id))
    assert [(e.action, e.source) for e in history] == [("opt_out", "ivr"), ("opt_in", "ivr")]


def test_nine_works_while_listening_and_while_asked_for_consent(phone, english_caller):
    make_lesson(segments=2)
    call = phone(caller=english_caller.phone).dial().press("1").press("1").press("1").press("9")
    assert "To stop all calls and messages" in call.said
    call.press("*").press("3").press("9")
    assert "To stop all calls and messages" in call.said


def test_withheld_number_can_listen_but_not_opt_out(phone):
    call = phone(caller="anonymous").dial().press("2")
    assert "Welcome to Chaupal" in call.said
    call.press("9")
    assert "Your number is hidden" in call.said
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
