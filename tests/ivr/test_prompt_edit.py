"""Admins change what the line says; callers hear it and consent records keep the exact words."""

import re

import pytest
from sqlalchemy import select

from core.db import db
from ivr import (
    prompt_editing,
    prompts,
)
from ivr.models import Consent, PromptText
from tests.helpers import csrf_token
from tests.ivr_fixtures import Phone


def test_an_admin_rewords_a_prompt_and_callers_hear_it(client, login, twilio_post):
    login("admin")
    page = "/ivr/prompts/welcome"
    form = {
        "csrf_token": csrf_token(client, page),
        "en": "Namaste, and welcome to the Chaupal line.",
        "hi": "",
    }
    assert client.post(page, data=form).status_code == 302
    assert "saved as version 2" in client.get(page).get_data(as_text=True)
    phone = Phone(twilio_post, caller="+919800050001").dial().press("2")
    assert "Namaste, and welcome to the Chaupal line." in phone.said


def test_placeholders_must_stay(app, login):
    admin = login("admin")
    with pytest.raises(ValueError, match=r"\{title\}"):
        prompt_editing.save_prompt_words("resume_offer", "en", "Press 1 to go on.", admin.id)
    with pytest.raises(ValueError, match="no such|there is no prompt"):
        prompt_editing.save_prompt_words("nope", "en", "x", admin.id)


def test_empty_words_go_back_to_the_shipped_text(app, login):
    admin = login("admin")
    prompt_editing.save_prompt_words("welcome_back", "en", "Good to hear you again.", admin.id)
    assert prompt_editing.prompt_words("welcome_back", "en") == "Good to hear you again."
    assert (
        prompt_editing.save_prompt_words("welcome_back", "en", "  ", admin.id) == "back to the shipped words"
    )
    assert prompt_editing.prompt_words("welcome_back", "en") == prompts.text("welcome_back", "en")


def test_consent_keeps_the_edited_words_and_their_version(app, login, twilio_post):
    admin = login("admin")
    words = (
        "Other workers will hear your story. Press 1 to share with your name, 2 without, 3 for trainers only."
    )
    prompt_editing.save_prompt_words("consent_story", "en", words, admin.id)
    phone = Phone(twilio_post, caller="+919800050002").dial().press("2").press("3")
    assert words in phone.said
    phone.press("2")
    consent = db.session.scalar(select(Consent))
    shipped = prompts.PROMPTS["consent_story"].version
    assert (consent.prompt_text, consent.prompt_version) == (words, shipped + 1)


def test_a_refused_edit_comes_back_with_what_was_typed_and_why_by_the_field(client, login):
    login("admin")
    page = "/ivr/prompts/resume_offer"
    typed = {"en": "Press 1 to go on with your lesson.", "hi": "आगे सुनने के लिए 1 दबाएँ: {title}"}
    refused = client.post(page, data={"csrf_token": csrf_token(client, page), **typed})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # each box holds what the admin typed, not the old words; the reason sits by the refused box
    assert f">{typed['en']}</textarea>" in html and f">{typed['hi']}</textarea>" in html
    reason = re.search(r'<p [^>]*id="refused-en"[^>]*>([^<]*)</p>', html)
    assert reason and "{title}" in reason.group(1)
    assert 'aria-describedby="refused-en"' in html and 'id="refused-hi"' not in html
    assert db.session.query(PromptText).count() == 0  # nothing saved while any box is refused
