"""The approve form after publishing shows what was published: the story's title and its trim."""

import re

from tests.curator_fixtures import make_story_awaiting_review
from tests.helpers import csrf_token
from transcription import decisions
from transcription.approve_form import seconds
from transcription.models import Review

TITLE = "गड्ढे की सफ़ाई"


def field(html: str, name: str) -> str:
    form = html[html.index('id="approve"') :]
    match = re.search(rf'<input name="{name}"[^>]*?value="([^"]*)"', form)
    assert match, f"no value on {name}"
    return match.group(1)


def test_after_publishing_the_form_shows_the_published_title_and_trim(client, login, media_fixtures):
    recording = make_story_awaiting_review(media_fixtures)
    login("curator")
    page = f"/review/{recording.id}"
    before = client.get(page).get_data(as_text=True)
    assert field(before, "start") == "" and field(before, "remove") == ""
    form = {"csrf_token": csrf_token(client, page), "version": "1", "title": TITLE}
    form |= {"start": "0.2", "end": "1.9", "remove": "0.5-0.75"}
    published = client.post(f"{page}/approve", data=form, follow_redirects=True).get_data(as_text=True)
    assert decisions.review_for(recording.id).status == Review.APPROVED
    assert field(published, "title") == TITLE
    assert (field(published, "start"), field(published, "end")) == ("0.2", "1.9")
    assert field(published, "remove") == "0.5-0.75"


def test_milliseconds_read_as_the_seconds_a_curator_types():
    assert [seconds(ms) for ms in (12500, 14000, 250, 1, None)] == ["12.5", "14", "0.25", "0.001", ""]
