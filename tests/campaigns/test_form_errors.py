"""A refused campaign form comes back with every choice the officer made; an incomplete voice campaign is refused at save."""

import pytest
from sqlalchemy import select

from campaigns.models import Campaign
from core.db import db
from tests.browser import log_in
from tests.campaigns_fixtures import make_lesson
from tests.factories import STAFF_PASSWORD, district, make_staff
from tests.helpers import csrf_token


def test_a_voice_campaign_without_a_lesson_is_refused_at_save(client, login):
    login("officer", districts=["Sitapur"])
    form = {
        "csrf_token": csrf_token(client, "/campaigns/new"),
        "name": "Pit week",
        "kind": "voice",
        "content": "lesson",
    }
    response = client.post("/campaigns/new", data=form)
    assert response.status_code == 400
    assert "Choose a published lesson or story to play." in response.get_data(as_text=True)
    assert db.session.scalar(select(Campaign)) is None


def test_an_sms_campaign_without_text_is_refused_at_save(client, login):
    login("officer", districts=["Sitapur"])
    form = {
        "csrf_token": csrf_token(client, "/campaigns/new"),
        "name": "Pit week",
        "kind": "sms",
        "content": "none",
    }
    assert client.post("/campaigns/new", data=form).status_code == 400
    assert db.session.scalar(select(Campaign)) is None


def _selected(page, name: str) -> list[str]:
    return page.eval_on_selector_all(
        f"[name={name}] option:checked", "options => options.map(option => option.value)"
    )


@pytest.mark.browser
def test_a_refused_form_keeps_every_choice_in_chromium(page, live_server):
    story = make_lesson(kind="story")
    officer = make_staff("officer", districts=["Sitapur", "Lucknow"])
    sitapur = str(district("Sitapur").id)
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/campaigns/new")
    page.fill("[name=name]", "Stories for masons")
    page.select_option("[name=kind]", "both")
    page.select_option("[name=content]", "story")
    page.select_option("[name=lesson_id]", str(story.id))
    page.select_option("[name=district_ids]", [sitapur])
    page.select_option("[name=roles]", ["mason", "motivator"])
    page.select_option("[name=machine_action]", "play")
    page.fill("[name=not_called_days]", "14")
    page.check("[name=use_list]")
    page.fill("[name=sms_hi]", "{naam} जी, कहानी सुनें")  # a placeholder that does not exist: refused
    page.click("form#campaign-form button[type=submit]")
    assert "unknown placeholder {naam}" in page.content()
    assert page.input_value("[name=sms_hi]") == "{naam} जी, कहानी सुनें"
    assert page.input_value("[name=name]") == "Stories for masons"
    assert _selected(page, "kind") == ["both"] and _selected(page, "content") == ["story"]
    assert _selected(page, "lesson_id") == [str(story.id)] and _selected(page, "district_ids") == [sitapur]
    assert _selected(page, "roles") == ["mason", "motivator"]
    assert _selected(page, "machine_action") == ["play"]
    assert page.input_value("[name=not_called_days]") == "14" and page.is_checked("[name=use_list]")
