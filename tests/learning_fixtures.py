"""Helpers for learning tests: quiz items, courses, a learner, a settable clock."""

from datetime import datetime, timedelta

import pytest

from core.db import db
from learning import courses, quizzes
from learning.models import Course, QuizItem
from tests.campaigns_fixtures import IST, set_clock
from tests.factories import make_contact
from tests.ivr_fixtures import make_lesson

START = datetime(2030, 1, 7, 11, 0, tzinfo=IST)  # a Monday, inside the default calling window


def make_item(
    lesson=None,
    right: str = "2",
    keys: str = "123",
    question: str = "How long must a full pit rest?",
    **fields,
) -> QuizItem:
    """A published item (Hindi and English wording) on the given keys."""
    labels = {"1": "one month", "2": "one year", "3": "one week", "4": "two years"}
    form = quizzes.item_form(
        question,
        {k: labels.get(k, f"choice {k}") for k in keys},
        right,
        "A full pit rests one year.",
        language="en",
    )
    form |= quizzes.item_form(
        f"{question} (hi)", {k: f"विकल्प {k}" for k in keys}, right, "गड्ढा एक साल आराम करता है।", language="hi"
    )
    if lesson is not None:
        form["lesson_id"] = str(lesson.id)
    form.update({k: str(v) for k, v in fields.items()})
    return quizzes.save_item(None, form, None)


def make_course(
    lessons, post_items=(), pre_items=(), pass_mark: int = 70, title: str = "Twin pits"
) -> Course:
    form = {
        "title_en": title,
        "title_hi": "दो गड्ढे",
        "lesson_ids": [str(lesson.id) for lesson in lessons],
        "post_item_ids": [str(i.id) for i in post_items],
        "pre_item_ids": [str(i.id) for i in pre_items],
        "pass_mark": str(pass_mark),
    }
    return courses.save_course(None, form, None)


@pytest.fixture
def learning_clock(app):
    """learning_clock(moment) pins the campaign clock (every learning schedule reads it); restored after."""
    saved = app.config["CLOCK_OFFSET_SECONDS"]

    def pin(moment: datetime) -> datetime:
        set_clock(app, moment)
        return moment

    yield pin
    app.config["CLOCK_OFFSET_SECONDS"] = saved


def later(moment: datetime, days: float) -> datetime:
    return moment + timedelta(days=days)


__all__ = ["START", "db", "later", "make_contact", "make_course", "make_item", "make_lesson"]
