"""The course builder in Debian's Chromium: two lessons, three items, a preview in the phone simulator,
a district enrolled and the calendar showing it."""

import pytest
from sqlalchemy import select

from core.db import db
from learning.models import Course, Enrolment, QuizItem
from tests.browser import log_in, wait_until
from tests.factories import STAFF_PASSWORD, make_contact, make_staff
from tests.ivr_fixtures import make_lesson

pytestmark = pytest.mark.browser


def author_item(page, server, lesson_title: str, question: str, right: str) -> None:
    page.goto(server.url + "/learning/items/new")
    page.select_option("select[name=lesson_id]", label=lesson_title)
    page.select_option("select[name=status]", "published")
    page.select_option("#right_key", right)
    page.fill("textarea[name=question_en]", question)
    page.fill("textarea[name=explanation_en]", "A full pit rests one year before it is emptied.")
    for row, label in ((1, "one month"), (2, "one year")):
        page.fill(f"input[name=key_{row}]", str(row))
        page.fill(f"input[name=label_en_{row}]", label)
    page.click("#item-form button[type=submit]")
    assert "Quiz item saved" in page.inner_text("body")


def test_a_curator_and_an_officer_build_and_run_a_course(page, live_server):
    first, second = make_lesson("Resting the pit"), make_lesson("Switching pits")
    make_contact(district="Sitapur", language_code="en")
    make_contact(district="Lucknow", language_code="en")
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)

    author_item(page, live_server, "Resting the pit (en)", "How long must a full pit rest?", "2")
    author_item(page, live_server, "Resting the pit (en)", "Who may empty a rested pit?", "1")
    author_item(page, live_server, "Switching pits (en)", "Which pit do you use when one is full?", "1")
    assert db.session.scalar(select(db.func.count()).select_from(QuizItem)) == 3

    page.goto(live_server.url + "/learning/courses/new")
    page.fill("input[name=title_en]", "Twin pits")
    page.fill("input[name=title_hi]", "दो गड्ढे")
    lesson_rows = page.locator("select[name=lesson_ids]")
    lesson_rows.nth(0).select_option(label="Resting the pit (en)")
    lesson_rows.nth(1).select_option(label="Switching pits (en)")
    page.click("#course-form button[type=submit]")
    assert "Course saved" in page.inner_text("body")
    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert [p.lesson_id for p in course.lessons] == [first.id, second.id]

    # preview the first item in the phone simulator: asked as on a call, answered, explained
    item = db.session.scalar(select(QuizItem).order_by(QuizItem.id))
    page.goto(live_server.url + f"/learning/items/{item.id}")
    page.click("#preview")
    page.wait_for_url("**/simulator/**")
    page.click("#call")
    wait_until(page, "document.getElementById('status').textContent.startsWith('Waiting for keys')")
    assert "How long must a full pit rest?" in page.inner_text("#heard")
    page.click(".key[data-key='2']")
    wait_until(page, "document.getElementById('status').textContent.startsWith('Call ended')")
    assert "A full pit rests one year" in page.inner_text("#heard")

    # an officer enrols Sitapur and sees the series on the calendar
    officer = make_staff("officer", districts=("Sitapur",))
    page.context.clear_cookies()  # a new session for the officer
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + f"/learning/courses/{course.id}/enrol")
    page.fill("input[name=theme]", "Twin pits month")
    page.fill("input[name=starts_at]", "2030-01-07T11:00")
    page.select_option("select[name=district_ids]", label="Sitapur")
    page.click("#enrol-form button[type=submit]")
    assert "1 people enrolled" in page.inner_text("body")
    calendar = page.inner_text("table.calendar")
    assert "Twin pits month" in calendar and "Twin pits" in calendar and "Sitapur" in calendar
    assert "January 2030" in page.inner_text("body")  # the month in words, in the page's language
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Enrolment)) == 1
