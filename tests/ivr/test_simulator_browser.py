"""The browser softphone in Debian's Chromium: a call recorded through the fake microphone."""

import secrets
from urllib.parse import quote

import pytest
from sqlalchemy import select

from audio.models import Recording
from core import queue
from core.app import create_app
from core.db import db
from core.i18n import COOKIE
from core.models import SandboxMessage
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


def ring(server, phone: str) -> SandboxMessage:
    """The line calls a simulated phone (as a call-back or broadcast would, through the sandbox)."""
    message = SandboxMessage(
        sid="CA" + secrets.token_hex(16), kind=SandboxMessage.CALL, to=phone, url=server.url + "/ivr/voice"
    )
    db.session.add(message)
    db.session.commit()
    return message


def test_one_click_on_answer_takes_the_call(page, sandbox_server):
    curator = make_staff("curator")
    phone = simulated_numbers.numbers_of(curator.id)[0]
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.goto(sandbox_server.url + "/simulator/")
    page.click("#call")  # a call of one's own is on when the line rings back
    wait_for(page, "Waiting for keys")
    ringing = ring(sandbox_server, phone)
    page.locator("#inbox button").click(timeout=10000)  # once
    wait_until(page, "document.querySelectorAll('#twiml details').length === 1", timeout=15000)
    wait_for(page, "Waiting for keys")
    db.session.expire_all()
    assert db.session.get(SandboxMessage, ringing.id).status == "answered"
    press(page, "2")
    wait_until(page, "document.getElementById('heard').textContent.includes('Welcome')", timeout=15000)


def text_to(phone: str, body: str) -> None:
    """The line sends an SMS to a simulated phone (it lands in the sandbox, as sends do in development)."""
    db.session.add(
        SandboxMessage(sid="SM" + secrets.token_hex(16), kind=SandboxMessage.SMS, to=phone, body=body)
    )
    db.session.commit()


def test_the_answer_button_stays_put_when_a_message_arrives_after_the_ring(page, sandbox_server):
    """A message landing just after the ring (a call-back's text) must not push Answer from under a tap."""
    curator = make_staff("curator")
    phone = simulated_numbers.numbers_of(curator.id)[0]
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.goto(sandbox_server.url + "/simulator/")
    ring(sandbox_server, phone)
    answer = page.locator("#inbox button")
    answer.wait_for()
    before = answer.bounding_box()
    text_to(phone, "We will call you back in a minute")
    wait_until(page, "document.getElementById('inbox').textContent.includes('call you back')")
    assert answer.bounding_box() == before
    answer.click()  # once
    wait_for(page, "Waiting for keys")


def test_the_inbox_shows_only_the_chosen_numbers_messages(page, sandbox_server):
    curator = make_staff("curator")
    first, second = simulated_numbers.numbers_of(curator.id)[:2]
    text_to(first, "Hello first phone")
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.goto(sandbox_server.url + "/simulator/")
    wait_until(page, "document.getElementById('inbox').textContent.includes('Hello first phone')")
    # The next look at the first number's inbox is slow: it is answered only after the switch.
    held = []
    page.route(lambda url: "/api/inbox" in url and quote(first) in url, lambda route: held.append(route))
    text_to(first, "Late news for first phone")
    text_to(second, "Hello second phone")
    for _ in range(50):  # the page looks every 3 s
        if held:
            break
        page.wait_for_timeout(200)
    assert held, "the page never looked at the first number's inbox again"
    page.select_option("#caller", second)
    wait_until(page, "document.getElementById('inbox').textContent.includes('Hello second phone')")
    with page.expect_response(lambda response: quote(first) in response.url):
        held[0].continue_()
    page.wait_for_timeout(500)  # the late answer has been read by the page
    inbox = page.inner_text("#inbox")
    assert "Hello second phone" in inbox and "first phone" not in inbox


def test_without_a_speech_voice_the_line_is_heard_through_the_apps_own_audio(page, sandbox_server):
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined})")
    curator = make_staff("curator")
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.goto(sandbox_server.url + "/simulator/")
    with page.expect_response(lambda response: "/simulator/api/speech/" in response.url) as spoken:
        page.click("#call")
    assert spoken.value.ok and spoken.value.headers["content-type"] == "audio/wav"  # 206: played in ranges
    wait_until(page, "document.querySelector('#heard li[data-kind=say].played') !== null", timeout=20000)
    assert page.is_hidden("#no-voice")


def test_when_nothing_can_speak_the_words_are_shown_as_text_in_the_pages_language(page, sandbox_server):
    page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined})")
    page.route("**/simulator/api/speech/**", lambda route: route.fulfill(status=404, body=""))
    curator = make_staff("curator")
    log_in(page, sandbox_server, curator.username, STAFF_PASSWORD)
    page.context.add_cookies([{"name": COOKIE, "value": "hi", "url": sandbox_server.url}])
    page.goto(sandbox_server.url + "/simulator/")
    page.click("#call")
    wait_for(page, "बटन दबाने का इंतज़ार")  # "Waiting for keys"
    wait_until(page, "document.querySelectorAll('#heard li.shown').length >= 2", timeout=15000)
    assert page.is_visible("#no-voice") and "ऊपर की सूची में इन्हें पढ़ें" in page.inner_text("#no-voice")
    assert "For English, press 2." in page.inner_text("#heard")  # the words callers hear, as they are
    assert "लिखकर दिखाया गया" in page.inner_text("#heard li.shown")  # "shown as text"
