"""Progressive help: keys explained once per call and only where they apply; short menus; more options."""

import re

import pytest

from audio.models import Lesson
from core.models import Contact
from ivr import prompts
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson

KEY = re.compile(r"(?<![\d{])\d(?![\d}])|स्टार|हैश|\bstar\b|\bhash\b|\{digit\}")
SENTENCE_END = re.compile(r"(?<=[।.?!])\s+")


@pytest.fixture
def caller():
    return make_contact(language_code="en", role=Contact.MASON, district="Sitapur")


@pytest.fixture
def phone(twilio_post, caller):
    return lambda: Phone(twilio_post, caller=caller.phone).dial()


def two_lessons_and_two_stories():
    first = make_lesson("Pit lining", position=0)
    second = make_lesson("Soak pit", position=1)
    make_lesson("Ramesh's story", topic=None, kind=Lesson.STORY, position=0)
    make_lesson("Sunita's story", topic=None, kind=Lesson.STORY, position=1)
    return first, second


@pytest.mark.parametrize("language", ["hi", "en"])
def test_no_sentence_offers_more_than_three_choices(language):
    for prompt in prompts.PROMPTS.values():
        for sentence in SENTENCE_END.split(prompt.text[language]):
            assert len(KEY.findall(sentence)) <= 3, f"{prompt.id}: {sentence}"


def test_playback_keys_are_explained_once_per_call_after_the_first_segment(phone):
    two_lessons_and_two_stories()
    call = phone().press("5").press("1")  # every topic: the only topic's list, its first lesson
    said = call.said
    assert "While listening: press hash to skip ahead" in said
    assert "Press 6 for the next lesson." in said and "4" not in said  # no previous lesson here
    assert [el.tag for el in call.twiml.find("Gather")] == ["Play", "Say", "Say"]  # content, then help
    call.press("6")  # the next lesson
    assert "While listening" not in call.said
    call.press("*").press("*").press("2").press("2")  # the lesson list, the main menu, the second story
    assert "Press 4 for the previous story." in call.said and "lesson" not in call.said


def test_previous_at_the_first_lesson_says_it_is_the_first(phone):
    two_lessons_and_two_stories()
    call = phone().press("5").press("1").press("4")
    assert "This is the first lesson; there is none before it." in call.said
    assert "nothing further" not in call.said and "Soak pit (en): press 2" in call.said


def test_the_main_menu_offers_more_options_not_stop(phone):
    said = phone().said
    assert "For more options, press 9." in said and "stop" not in said.lower()


def test_more_options_offer_stop_or_restart_whichever_applies(phone, caller):
    call = phone().press("9")
    assert "To stop all calls and messages from us, press 1" in call.said
    assert "start them again" not in call.said and "To change the language, press 3" in call.said
    call.press("1")
    assert "We will not call or message you any more" in call.said
    call.press("9")
    assert "To start them again, press 1" in call.said and "To stop all" not in call.said
    call.press("3")
    assert "For English, press 2" in call.said


def test_a_finished_lesson_left_in_silence_goes_back_to_a_menu(phone):
    make_lesson("Pit lining", segments=1)
    call = phone().press("1").stay_silent()
    assert "Was this useful to you?" in call.said
    call.stay_silent()
    assert not call.hung_up and "To ask a question, press 4" in call.said


def test_wrong_keys_on_any_screen_lead_back_to_the_main_menu_first(phone):
    make_lesson("Pit lining", segments=1)
    call = phone().press("1").stay_silent()
    call.press("7").press("7").press("7")
    assert not call.hung_up and "To ask a question, press 4" in call.said
