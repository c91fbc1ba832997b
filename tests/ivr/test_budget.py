"""The prompt budget: seconds of prompts before the first second of content, over scripted journeys."""

from urllib.parse import urlsplit

import pytest

from audio import store
from audio.models import Lesson
from core.db import db
from core.models import Contact
from ivr import budget
from ivr.simulator import FlaskTransport, Heard, SimulatedCall, audio_seconds
from tests.factories import district, make_contact
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import make_lesson

NEW_CALLER, KNOWN_CALLER = "+919812377701", "+919812377702"


@pytest.fixture
def library():
    """Enough lessons and stories that every list is really offered (one-item lists are skipped)."""
    for position, topic in enumerate(("twin-pit", "handwashing")):
        make_lesson("Pit lining", topic=topic, position=position)
        make_lesson("Soak pit", topic=topic, position=position + 1)
    make_lesson("Ramesh's story", topic=None, kind=Lesson.STORY, contributor_name="Ramesh")
    make_lesson("Sunita's story", topic=None, kind=Lesson.STORY)


@pytest.fixture
def known_caller():
    return make_contact(
        phone=KNOWN_CALLER, language_code="hi", role=Contact.MASON, district=district("Sitapur")
    )


def is_content(heard: Heard) -> bool:
    return heard.kind == "play" and any(f"/media/{kind}/" in heard.url for kind in ("lessons", "recordings"))


def stored_seconds(url: str) -> float:
    return audio_seconds(store.read_bytes(urlsplit(url).path.removeprefix("/media/")))


def walk(app, caller: str, actions: list[str], start: str | None = None, direction="inbound") -> budget.Wait:
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, caller, direction=direction)
    turn = call.start(start)
    steps = []
    for action in actions:
        steps.append((turn, action))
        turn = call.silence() if action == "silence" else call.press(action)
        db.session.expire_all()
    steps.append((turn, None))
    return budget.measure(steps, is_content, stored_seconds)


def within(wait: budget.Wait, seconds: int) -> None:
    report = "\n".join(wait.heard)
    assert wait.reached, f"the journey never reached content:\n{report}"
    assert wait.seconds <= seconds, f"{wait.seconds:.0f} s before content (budget {seconds} s):\n{report}"


def test_a_first_time_hindi_caller_hears_a_lesson_within_a_minute(app, library):
    wait = walk(app, NEW_CALLER, ["1", "1", "1", "1"])  # Hindi, lessons, a topic, a lesson
    within(wait, budget.FIRST_TIME_SECONDS)


def test_a_returning_caller_hears_their_next_lesson_within_twenty_seconds(app, library, known_caller):
    within(walk(app, KNOWN_CALLER, ["1"]), budget.RETURNING_SECONDS)


def test_a_returning_caller_continues_an_unfinished_lesson_within_twenty_seconds(app, library, known_caller):
    walk(app, KNOWN_CALLER, ["1", "1", "1", "#"])  # hangs up in the middle of a lesson
    within(walk(app, KNOWN_CALLER, ["1"]), budget.RETURNING_SECONDS)


def test_a_returning_caller_hears_a_story_within_twenty_seconds(app, library, known_caller):
    within(walk(app, KNOWN_CALLER, ["2", "1"]), budget.RETURNING_SECONDS)


@pytest.mark.parametrize("key", ["3", "4"])
def test_a_first_time_caller_is_recording_a_story_or_question_within_a_minute(app, library, key):
    within(walk(app, NEW_CALLER, ["1", key, "1"]), budget.FIRST_TIME_SECONDS)


def test_uploaded_prompt_audio_counts_by_its_duration():
    heard = [Heard("play", url="x"), Heard("say", text="one two three four five", language="en-IN")]
    wait = budget.measure([(_turn(heard), None)], lambda h: False, lambda url: 7.5)
    assert wait.seconds == pytest.approx(7.5 + 5 / 2.5) and not wait.reached


def test_a_caller_presses_once_the_key_is_named():
    heard = [Heard("say", text="For lessons, press 1.", language="en-IN"), Heard("say", text="x " * 50)]
    wait = budget.measure([(_turn(heard), "1")], lambda h: False, lambda url: 0)
    assert wait.seconds == pytest.approx(4 / 2.5 + budget.KEY_SECONDS)


def test_the_budget_fails_a_long_journey():
    heard = [Heard("say", text="word " * 200, language="hi-IN"), Heard("play", url="/media/lessons/1.wav")]
    with pytest.raises(AssertionError, match="budget 20 s"):
        within(budget.measure([(_turn(heard), None)], is_content, lambda url: 0), budget.RETURNING_SECONDS)


def _turn(heard):
    from ivr.simulator import Turn

    return Turn(heard=heard, waiting="gather")
