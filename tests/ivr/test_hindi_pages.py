"""The phone line's staff pages in Hindi: no English word left but what callers hear and staff typed."""

from core.db import db
from core.i18n import COOKIE
from core.models import Language
from ivr import languages, prompts, review, simulated_numbers
from ivr.models import SmsMessage
from tests.factories import make_contact
from tests.helpers import csrf_token, english_left

SMS_BODY = "Please call me about the soak pit"  # typed by a caller


def caller_words() -> tuple[str, ...]:
    """What callers hear is content, not interface: every prompt's words in every language, and each
    prompt's name (the id the prompt audio page asks for, shown as <code lang="en">). Read once the
    app has started: the learning and peer screens add their prompts then."""
    words = tuple(words for prompt in prompts.PROMPTS.values() for words in prompt.text.values())
    return (*words, *prompts.PROMPTS)


def language_settings() -> tuple[str, ...]:
    """Each language's English name and the phone company's voice settings: data, shown as written."""
    found = db.session.scalars(db.select(Language)).all()
    return tuple(v for lang in found for v in (lang.name, lang.say_language, lang.say_voice or ""))


def pages_left_in_english(client, paths, names) -> dict[str, set[str]]:
    return {path: english_left(client.get(path).get_data(as_text=True), names) for path in paths}


def test_the_simulator_and_sms_inbox_are_in_hindi(client, login):
    curator = login("curator")
    caller = make_contact(name="Ramesh", district="Sitapur")
    db.session.add(SmsMessage(message_sid="SM" + "1" * 32, contact_id=caller.id, body=SMS_BODY))
    db.session.commit()
    client.set_cookie(COOKIE, "hi")
    names = (curator.username, "Ramesh", SMS_BODY, *simulated_numbers.numbers_of(curator.id))
    paths = ("/simulator/", "/sms/", "/sms/?show=all")
    assert pages_left_in_english(client, paths, names) == dict.fromkeys(paths, set())


def test_the_sentences_pages_are_in_hindi(client, login):
    curator = login("curator")
    client.set_cookie(COOKIE, "hi")
    for code in ("hi", "en"):
        sentences = tuple(sentence.words for sentence in review.sentences(code))
        names = (curator.username, *caller_words(), *sentences)
        page = client.get(f"/ivr/prompts/sentences?language={code}").get_data(as_text=True)
        assert english_left(page, names) == set(), code


def test_the_admins_prompt_and_language_pages_are_in_hindi(client, login):
    admin = login("admin")
    languages.add_language("mr", "Marathi", "मराठी", "3", "mr-IN", "")  # a language still missing prompts
    client.set_cookie(COOKIE, "hi")
    names = (admin.username, *caller_words(), *language_settings())
    paths = (
        "/ivr/prompts",
        "/ivr/prompts/welcome",
        "/ivr/prompts/resume_offer",
        "/ivr/languages",
        "/ivr/languages/mr",
    )
    assert pages_left_in_english(client, paths, names) == dict.fromkeys(paths, set())


def test_the_admins_refusals_and_confirmations_are_in_hindi(client, login):
    admin = login("admin")
    client.set_cookie(COOKIE, "hi")
    token = csrf_token(client, "/ivr/languages")
    typed = "Press one to go on."  # what the admin typed comes back: content, shown as typed
    names = (admin.username, *caller_words(), *language_settings(), typed, "Marathi", "mr", "IN")
    posts = (
        ("/ivr/prompts/resume_offer", {"en": typed, "hi": ""}),  # {title} left out: refused
        ("/ivr/prompts/welcome", {"en": "Welcome to the line {name}", "hi": ""}),
        ("/ivr/prompts/welcome", {"en": "Welcome to the line.", "hi": ""}),  # saved
        ("/ivr/prompts/welcome", {"en": "", "hi": ""}),  # back to the shipped words
        ("/ivr/languages", {"code": "Marathi", "name": "Marathi", "digit": "3"}),
        ("/ivr/languages", {"code": "mr", "name": "Marathi", "digit": "1"}),
        ("/ivr/languages", {"code": "mr", "name": "Marathi", "native_name": "मराठी", "digit": "3"}),
        ("/ivr/languages/mr/active", {"active": "1"}),
        ("/ivr/languages/en/active", {"active": "0"}),
        ("/ivr/languages/en/active", {"active": "1"}),
    )
    for path, form in posts:
        page = client.post(path, data={**form, "csrf_token": token}, follow_redirects=True)
        html = page.get_data(as_text=True)
        assert "flash" in html, (path, form)
        assert english_left(html, names) == set(), (path, form)
