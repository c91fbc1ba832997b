"""Actions that cannot be undone ask first: dismissing the question leaves everything as it was."""

import pytest

from audio.models import Lesson
from campaigns.models import Campaign
from core.db import db
from tests.browser import log_in
from tests.campaigns_fixtures import make_campaign, make_lesson
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def answer_next_question(page, accept: bool) -> list[str]:
    """Answer the next confirmation dialog; the list receives its question."""
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return asked


def status_of(model, row_id: int) -> str:
    db.session.expire_all()
    return db.session.get(model, row_id).status


def test_cancelling_a_campaign_asks_first(page, live_server):
    officer = make_staff("officer", districts=["Sitapur"])
    campaign = make_campaign(user=officer)
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(f"{live_server.url}/campaigns/{campaign.id}")
    asked = answer_next_question(page, accept=False)
    page.click("button.danger:has-text('Cancel')")
    page.wait_for_timeout(300)  # a dismissed dialog sends nothing: give a wrong submission time to land
    assert asked and "cannot be started again" in asked[0]
    assert status_of(Campaign, campaign.id) == Campaign.DRAFT
    answer_next_question(page, accept=True)
    with page.expect_navigation():
        page.click("button.danger:has-text('Cancel')")
    assert status_of(Campaign, campaign.id) == Campaign.CANCELLED


def test_retiring_a_lesson_asks_first_in_hindi(browser, live_server):
    lesson = make_lesson()
    curator = make_staff("curator")
    context = browser.new_context(locale="hi-IN", extra_http_headers={"Accept-Language": "hi"})
    page = context.new_page()
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(f"{live_server.url}/audio/lessons/{lesson.id}")
    asked = answer_next_question(page, accept=False)
    page.click("button.danger")
    page.wait_for_timeout(300)
    assert asked and "यह पाठ हटाएँ?" in asked[0]
    assert status_of(Lesson, lesson.id) == Lesson.PUBLISHED
    answer_next_question(page, accept=True)
    with page.expect_navigation():
        page.click("button.danger")
    assert status_of(Lesson, lesson.id) == Lesson.RETIRED
    context.close()
