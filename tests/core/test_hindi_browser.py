"""Every staff page in Chromium with a Hindi browser: the workspace speaks Hindi, no English left.

The browser asks for Hindi (Accept-Language hi-IN), as an officer's phone set to Hindi does, and
nobody touches the language switch. What staff typed (names, titles, campaign names, quiz wording in
English) is content and stays as written; every word of the interface must be Hindi.
"""

import pytest

from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import english_left
from tests.staff_pages import NOT_PAGES, pages_of_single_things, staff_pages

pytestmark = pytest.mark.browser

# What a reader sees: the body's text and the words in placeholders, labels and tooltips. Left out:
# code (queue names, addresses, CSV column names shown as code) and anything marked as written in
# another language (lang="en": the English wording of a prompt or quiz item beside its Hindi).
VISIBLE_WORDS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('code, script, style, [lang]:not([lang^="hi"])').forEach(n => n.remove());
  const attributes = [...body.querySelectorAll('[placeholder], [aria-label], [title]')]
    .map(n => [n.getAttribute('placeholder'), n.getAttribute('aria-label'), n.getAttribute('title')].join(' '));
  return document.title + ' ' + body.innerText + ' ' + attributes.join(' ');
}"""
QUIZ_WORDS = ("How long must a full pit rest?", "one month", "one year", "one week")
# Product names stay as they are written.
CONTENT = ("Twin pits (hi)", "Twin pit week", "Sunita Devi", "SQLite", "PostgreSQL", *QUIZ_WORDS)


@pytest.fixture
def hindi_page(browser):
    context = browser.new_context(locale="hi-IN", extra_http_headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    page = context.new_page()
    yield page
    context.close()


def test_every_staff_page_reads_in_hindi(hindi_page, live_server, app):
    admin = make_staff("admin", districts=["Sitapur"])
    officer = make_staff("officer", districts=["Sitapur"])
    pages = staff_pages(app) + pages_of_single_things(officer, "Sunita Devi", "Twin pit week")
    log_in(hindi_page, live_server, admin.username, STAFF_PASSWORD)
    names = (admin.username, officer.username, *CONTENT)
    left = {}
    for path in pages:
        hindi_page.goto(live_server.url + path)
        assert hindi_page.locator("html").get_attribute("lang") == "hi", path
        words = english_left(hindi_page.evaluate(VISIBLE_WORDS), names)
        if words:
            left[path] = sorted(words)
    assert len(pages) > 20 and not any(path.endswith(NOT_PAGES) for path in pages)
    assert left == {}, "\n".join(f"{path}: {' '.join(words)}" for path, words in left.items())
