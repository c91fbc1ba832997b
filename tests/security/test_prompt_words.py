"""Admin-edited words are data: only the documented placeholders, no format specs, bounded length.

Attack reproduced (issue 17, item 3): `For English, press {digit:s}.` was accepted and every new call
heard only the apology; `{digit:>3000000}` was accepted and made a 3 MB reply per call.
"""

import pytest

from core.db import db
from ivr import (
    prompt_editing,
    prompts,
)
from ivr.models import PromptText
from tests.helpers import csrf_token
from tests.ivr_fixtures import Phone

APOLOGY = prompts.text("technical_problem", "en")
ATTACKS = [
    "For English, press {digit:s}.",
    "For English, press {digit:>3000000}.",
    "For English, press {digit!r}.",
    "For English, press {digit.__class__}.",
    "For English, press {digit[0]}.",
    "For English, press {digit}. {",
    "For English, press {digit}. }",
    "For English, press {0}.",
    "For English, press {}.",
]


def post_words(client, prompt_id: str, english: str):
    page = f"/ivr/prompts/{prompt_id}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "en": english, "hi": ""})


@pytest.mark.parametrize("words", ATTACKS[:2])
def test_a_format_spec_in_the_language_menu_leaves_the_line_speaking(client, login, twilio_post, words):
    login("admin")
    refused = post_words(client, "language_option", words)
    response = twilio_post(
        "/ivr/voice",
        {"CallSid": "CA" + "1" * 32, "From": "+919800060001", "To": "+18005550100", "CallStatus": "ringing"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and len(body) < 10_000
    assert APOLOGY not in body and "For English, press 2." in body
    assert refused.status_code == 400 and "is not allowed" in refused.get_data(as_text=True)


@pytest.mark.parametrize("words", ATTACKS)
def test_words_with_anything_but_plain_placeholders_are_refused(app, login, words):
    admin = login("admin")
    with pytest.raises(ValueError, match="not allowed"):
        prompt_editing.save_prompt_words("language_option", "en", words, admin.id)
    assert db.session.query(PromptText).count() == 0


def test_words_are_bounded_and_keep_their_placeholders(app, login):
    admin = login("admin")
    with pytest.raises(ValueError, match="600"):
        prompt_editing.save_prompt_words("welcome", "en", "Welcome " * 100, admin.id)
    with pytest.raises(ValueError, match=r"\{digit\}"):
        prompt_editing.save_prompt_words("language_option", "en", "For English, press {name}.", admin.id)
    assert prompt_editing.save_prompt_words(
        "language_option", "en", "English: {digit}.", admin.id
    ).startswith("saved")
    assert prompt_editing.prompt_words("language_option", "en", digit=2) == "English: 2."


@pytest.mark.parametrize("words", ATTACKS)
def test_stored_words_that_fail_to_render_fall_back_to_the_shipped_words(app, login, twilio_post, words):
    """Words saved before these checks (or written straight into the table) never reach a caller."""
    db.session.add(PromptText(prompt_id="language_option", language_code="en", version=2, text=words))
    db.session.commit()
    phone = Phone(twilio_post, caller="+919800060002").dial()
    assert "For English, press 2." in phone.said and APOLOGY not in phone.said
    assert prompt_editing.prompt_words("language_option", "en", digit=2) == "For English, press 2."
