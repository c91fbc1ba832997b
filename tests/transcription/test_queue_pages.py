"""The review queue in pages of 50: every item reachable once, filters kept from page to page, counts that match."""

import re
import uuid

import pytest

from audio.models import Recording
from core.db import db
from core.i18n import COOKIE
from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_contact, make_staff
from transcription.models import Transcript


def queued(count: int, kind: str = Recording.STORY) -> None:
    """`count` transcribed recordings of one kind, each with its own words, waiting for review."""
    contact = make_contact()
    for number in range(count):
        recording = Recording(recording_sid=f"RE{uuid.uuid4().hex}", status=Recording.READY, kind=kind)
        recording.contact_id = contact.id
        recording.language_code = "hi"
        recording.duration_seconds = 9
        db.session.add(recording)
        db.session.flush()
        words = f"{kind} number {number:03d} about the pit"
        db.session.add(
            Transcript(recording_id=recording.id, status=Transcript.READY, text=words, priority=50)
        )
    db.session.commit()


def shown(html: str) -> list[str]:
    return re.findall(r"(?:story|question) number \d{3}", html)


def test_120_items_in_three_pages_each_shown_once_with_matching_counts(client, login):
    queued(120)
    login("curator")
    first = client.get("/review/").get_data(as_text=True)
    assert re.search(r"new <span class=\"count\">120</span>", first)
    assert "Page 1 of 3 · 1–50 of 120" in first
    pages = [shown(client.get(f"/review/?page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [50, 50, 20]
    everything = [item for page in pages for item in page]
    assert sorted(everything) == sorted(set(everything)) and len(everything) == 120
    beyond = client.get("/review/?page=9").get_data(as_text=True)
    assert "Page 3 of 3" in beyond and shown(beyond) == pages[2]


def test_the_pages_read_the_same_in_hindi(client, login):
    queued(120)
    login("curator")
    client.set_cookie(COOKIE, "hi")
    first = client.get("/review/?kind=story").get_data(as_text=True)
    assert re.search(r"नई <span class=\"count\">120</span>", first)
    assert "पेज 1 / 3 · 120 में से 1–50" in first and "अगला" in first
    pages = [shown(client.get(f"/review/?kind=story&page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [50, 50, 20] and len(set(sum(pages, []))) == 120
    assert "पेज 3 / 3 · 120 में से 101–120" in client.get("/review/?page=9").get_data(as_text=True)


def test_filters_are_kept_across_pages_and_tabs(client, login):
    queued(60, Recording.STORY)
    queued(5, Recording.QUESTION)
    login("curator")
    html = client.get("/review/?kind=story").get_data(as_text=True)
    assert "Page 1 of 2 · 1–50 of 60" in html
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "kind=story" in next_link and "page=2" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert len(shown(second)) == 10 and "question number" not in second
    tab = re.search(r'href="([^"]*status=approved[^"]*)"', html).group(1)
    assert "kind=story" in tab and "page=" not in tab


@pytest.mark.browser
def test_a_curator_pages_through_120_items_in_chromium(page, live_server):
    queued(120)
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/review/")
    seen = shown(page.content())
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        seen += shown(page.content())
    assert len(seen) == 120 and len(set(seen)) == 120
    assert "Page 3 of 3 · 101–120 of 120" in page.content()
