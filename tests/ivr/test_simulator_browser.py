"""The browser softphone in Debian's Chromium: a call recorded through the fake microphone."""

import pytest
from sqlalchemy import select

from audio.models import Recording
from core import queue
from core.app import create_app
from core.db import db
from ivr import simulated_numbers
from tests.browser import LiveServer, free_port, log_in, wait_until
from tests.factories import STAFF_PASSWORD, make_staff
from transcription.models import Transcript

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sandbox_server(app):
    """The app as in development without Twilio credentials: the sandbox stands in for Twilio."""
    port = free_port()
    keep = (
        "INSTANCE_PATH",
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "REDIS_URL",
        "SECRET_KEY",
        "MEDIA_DIR",
    )
    sandbox_app = create_app(
        {
            **{k: app.config[k] for k in keep},
            "CHAUPAL_ENV": "development",
            "TWILIO_ACCOUNT_SID": "",
            "TWILIO_AUTH_TOKEN": "",
            "TWILIO_CALLER_ID": "",
            "TWILIO_API_BASE_URL": "",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    server = LiveServer(sandbox_app, port)
    yield server
    server.server.shutdown()


def press(page, key: str) -> None:
    page.click(f".key[data-key='{key}']")


def wait_for(page, status: str) -> None:
    wait_until(page, f"document.getElementById('status').textContent.startsWith({status!r})", timeout=15000)


def test_a_story_recorded_through_the_microphone_reaches_the_pipeline(page, sandbox_server):
    curator = make_staff("curator")
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.goto(sandbox_server.url + "/simulator/")
    page.select_option("#caller", simulated_numbers.numbers_of(curator.id)[1])
    page.click("#call")
    wait_for(page, "Waiting for keys")
    assert "For English, press 2." in page.inner_text("#heard")
    for key in ("2", "3", "2"):  # English, record, share without my name
        press(page, key)
        page.wait_for_timeout(300)
    wait_for(page, "Waiting for a recording")
    page.click("#record")
    page.wait_for_timeout(4000)  # the fake microphone speaks
    page.click("#stop")
    wait_for(page, "Waiting for keys")
    press(page, "1")  # keep it
    wait_until(page, "document.getElementById('heard').textContent.includes('saved')", timeout=15000)
    assert "<Record" in page.text_content("#twiml")
    page.click("#hangup")
    wait_for(page, "Call ended")

    queue.make_worker(sandbox_server.app, ["audio"]).work(burst=True, with_scheduler=False)
    db.session.expire_all()
    [story] = db.session.scalars(select(Recording)).all()
    assert story.status == Recording.READY, story.reason_detail
    assert story.kind == Recording.STORY and story.consent == Recording.ANONYMOUS
    assert story.duration_seconds > 2

    queue.make_worker(sandbox_server.app, ["transcription"]).work(burst=True, with_scheduler=False)
    page.goto(sandbox_server.url + "/review/")
    row = page.locator("tbody tr", has_text=f"#{story.id}")
    assert "story" in row.inner_text()
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=story.id))
    assert transcript.status == Transcript.READY and transcript.text
    assert transcript.text[:20] in row.inner_text()
