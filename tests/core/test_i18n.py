"""The staff workspace speaks Hindi and English: catalogues complete, the choice remembered, the browser's default."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from core.db import db
from core.i18n import COOKIE
from core.models import District, State
from tests.factories import make_contact
from tests.helpers import csrf_token, english_left

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ivr", "audio", "transcription", "campaigns", "learning", "api")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def _catalogue_folder(package: str) -> Path:
    return ROOT / package / "translations" / "hi" / "LC_MESSAGES"


def _extracted(package: str) -> set[str]:
    found = set()
    for _name, _line, message, _comments, _context in _messages(ROOT / package):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _messages(folder: Path):
    yield from extract_from_dir(str(folder), method_map=METHODS, keywords=KEYWORDS)


def _hindi(package: str):
    with open(_catalogue_folder(package) / "messages.po", "rb") as handle:
        return read_po(handle, locale="hi")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_marked_string_has_a_hindi_translation(package):
    catalogue = _hindi(package)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and _filled(m.string)}
    missing = sorted(_extracted(package) - translated)
    assert not missing, (
        f"untranslated in {package}'s Hindi catalogue (run scripts/translations, translate): {missing}"
    )


def _filled(string) -> bool:
    return bool(string) if isinstance(string, str) else all(string)


@pytest.mark.parametrize("package", PACKAGES)
def test_hindi_translations_keep_their_placeholders(package):
    for message in _hindi(package):
        if message.id and isinstance(message.id, str) and message.string:
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(
                re.findall(r"%\(\w+\)s", message.string)
            ), message.id


@pytest.mark.parametrize("package", PACKAGES)
def test_the_compiled_catalogue_matches_its_source(package):
    with open(_catalogue_folder(package) / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    expected = BytesIO()
    write_mo(expected, _hindi(package))
    expected.seek(0)
    source = read_mo(expected)
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in source if m.id}, (
        "messages.mo is stale: run scripts/translations"
    )


def test_browser_preference_picks_hindi(client):
    page = client.get("/login", headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="hi">' in page
    assert "लॉग इन करें" in page
    assert english_left(page) == set()


def test_english_when_the_browser_asks_for_neither(client):
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Username" in page


def test_the_choice_is_remembered_over_the_browser_preference(client):
    token = csrf_token(client)
    response = client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert COOKIE in response.headers["Set-Cookie"] and "Max-Age" in response.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    assert "Username" in page and "यूज़रनेम" not in page


def test_the_switch_goes_back_only_to_this_site(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"language": "hi", "next": "//evil.example/", "csrf_token": token}
    )
    assert "evil" not in response.headers["Location"]


def test_error_pages_and_menu_in_hindi(client, login):
    login("officer")
    client.set_cookie(COOKIE, "hi")
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "पेज नहीं मिला" in page and "ज़िला अधिकारी" in page
    assert "Not Found" not in page


def test_flash_messages_in_hindi(client, login):
    login("curator")
    client.set_cookie(COOKIE, "hi")
    token = csrf_token(client, "/login")
    page = client.post("/logout", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "आप लॉग आउट हो गए हैं।" in page


def test_translated_pages_have_no_english_left_in_hindi(client, login):
    admin = login("admin", districts=["Sitapur"])
    ramesh = make_contact(name="Ramesh", district="Sitapur", role="mason")
    client.set_cookie(COOKIE, "hi")
    places = db.session.scalars(select(District.name).union(select(State.name)))
    names = (admin.username, "Ramesh", *places)
    for path in ("/account", "/staff/", "/staff/new", "/people/", f"/people/{ramesh.id}", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, names) == set(), path
