"""Adding or deciding a topic on the review page keeps everything typed elsewhere on it."""

import pytest
from sqlalchemy import select

from audio.models import Recording
from core.db import db
from core.models import Topic
from tests.browser import log_in, wait_until
from tests.curator_fixtures import make_story_awaiting_review
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import csrf_token
from transcription.models import TopicTag

PART = {"X-Chaupal-Part": "tags"}


@pytest.fixture
def story(media_fixtures) -> Recording:
    return make_story_awaiting_review(media_fixtures)


def twin_pit() -> int:
    return db.session.scalar(select(Topic.id).filter_by(slug="twin-pit"))


def test_a_topic_change_asked_for_the_section_answers_with_the_section_only(client, login, story):
    login("curator")
    token = csrf_token(client, f"/review/{story.id}")
    form = {"csrf_token": token, "action": "add", "topic_id": str(twin_pit())}
    response = client.post(f"/review/{story.id}/tags", data=form, headers=PART)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["X-Chaupal-Part"] == "tags"
    assert "<html" not in html and "tag-accepted" in html and "Tags saved." in html
    assert db.session.scalar(select(TopicTag.status).filter_by(recording_id=story.id)) == TopicTag.ACCEPTED
    refused = client.post(f"/review/{story.id}/tags", data={**form, "action": "boost"}, headers=PART)
    assert "Choose a topic" in refused.get_data(as_text=True)
    assert client.post(f"/review/{story.id}/tags", data=form).status_code == 302  # without the script


@pytest.mark.browser
def test_adding_a_topic_in_chromium_keeps_the_typed_title_notes_and_trim(page, live_server, story):
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(f"{live_server.url}/review/{story.id}")
    page.evaluate("window.notReloaded = true")
    typed = {
        "#approve input[name=title]": "गड्ढे की कहानी",
        "#approve input[name=start]": "0.2",
        "#approve input[name=remove]": "0.5-0.7",
        "textarea[name=notes]": "good example of pit emptying",
    }
    for selector, text in typed.items():
        page.fill(selector, text)
    page.select_option(".add-tag select[name=topic_id]", str(twin_pit()))
    page.click(".add-tag button[type=submit]")
    page.wait_for_selector(f"#tags .tag-accepted[data-topic='{twin_pit()}']")
    assert page.evaluate("window.notReloaded === true")
    assert {selector: page.input_value(selector) for selector in typed} == typed
    assert page.is_checked(f"#approve input[name=topic_ids][value='{twin_pit()}']")
    page.click(f"#tags .tag[data-topic='{twin_pit()}'] button[value=reject]")
    page.wait_for_selector(f"#tags .tag-rejected[data-topic='{twin_pit()}']")
    wait_until(
        page, f"!document.querySelector(\"#approve input[name=topic_ids][value='{twin_pit()}']\").checked"
    )
    assert {selector: page.input_value(selector) for selector in typed} == typed
