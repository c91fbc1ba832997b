"""Languages are data: a third language made only through the admin pages, then heard in a simulated call."""

import string

from core.db import db
from core.models import Language
from ivr import prompts
from ivr.simulator import FlaskTransport, SimulatedCall
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL, csrf_token

MARATHI = {
    "code": "mr",
    "name": "Marathi",
    "native_name": "मराठी",
    "digit": "3",
    "say_language": "mr-IN",
    "voice": "",
}


def marathi_words(prompt_id: str) -> str:
    """Stand-in Marathi for every prompt, keeping the shipped placeholders."""
    if prompt_id == "language_option":
        return "मराठीसाठी {digit} दाबा."
    names = sorted({n for _, n, _, _ in string.Formatter().parse(prompts.PROMPTS[prompt_id].text["en"]) if n})
    return f"मराठी {prompt_id.replace('_', ' ')} " + " ".join("{" + name + "}" for name in names)


def post(client, url: str, **form):
    return client.post(url, data={"csrf_token": csrf_token(client, "/ivr/languages"), **form})


def offered(app) -> str:
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800088801")
    return " ".join(h.text for h in call.start().heard)


def test_a_third_language_is_added_completed_switched_on_and_heard(app, client, login):
    login("admin")
    post(client, "/ivr/languages", **MARATHI)
    language = db.session.get(Language, "mr")
    assert language is not None and not language.active and "मराठीसाठी" not in offered(app)

    refused = post(client, "/ivr/languages/mr/active", active="1")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "still have no words or audio in Marathi" in page
    missing = client.get("/ivr/languages/mr").get_data(as_text=True)
    assert '<code lang="en">welcome</code>' in missing and '<code lang="en">answer_intro</code>' in missing

    for prompt_id in list(prompts.PROMPTS):
        post(client, f"/ivr/prompts/{prompt_id}", mr=marathi_words(prompt_id))
    assert 'href="/ivr/languages/mr"' not in client.get("/ivr/languages").get_data(
        as_text=True
    )  # none missing
    post(client, "/ivr/languages/mr/active", active="1")
    db.session.expire_all()
    assert db.session.get(Language, "mr").active

    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800088802")
    assert "मराठीसाठी 3 दाबा." in " ".join(h.text for h in call.start().heard)
    turn = call.press("3")
    heard = [h for h in turn.heard if h.kind == "say"]
    assert heard[0].text == "मराठी welcome" and {h.language for h in heard} == {"mr-IN"}


def test_a_new_language_needs_a_free_key_and_a_proper_code(client, login):
    login("admin")
    refused = post(client, "/ivr/languages", **{**MARATHI, "digit": "1"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "choose a free key" in page
    assert 'name="native_name" value="मराठी"' in page  # what the admin typed comes back
    post(client, "/ivr/languages", **{**MARATHI, "code": "Marathi"})
    assert db.session.get(Language, "mr") is None


def test_the_languages_page_is_for_admins(client, login):
    login("curator")
    assert client.get("/ivr/languages").status_code == 403
