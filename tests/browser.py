"""Real-browser fixtures: the app served on loopback and Debian's Chromium driven by Playwright.

Registered as a pytest plugin in conftest.py: use the fixtures `live_server`, `browser` and `page`.
"""

import subprocess
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core.app import create_app
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
]


class LiveServer:
    def __init__(self, app, port: int):
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def live_server(app, twilio_server):
    """The same database, Redis and media as `app`, served over HTTP on a loopback port."""
    port = free_port()
    config = {
        key: app.config[key]
        for key in (
            "INSTANCE_PATH",
            "DATABASE_URL",
            "SQLALCHEMY_DATABASE_URI",
            "REDIS_URL",
            "SECRET_KEY",
            "MEDIA_DIR",
            "TWILIO_CALLER_ID",
        )
    }
    live = create_app(
        {
            **config,
            "CHAUPAL_ENV": "testing",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": twilio_server.base_url,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    server = LiveServer(live, port)
    yield server
    server.server.shutdown()


MICROPHONE_TEXT = "We built twin pit toilets in our village and the whole panchayat stopped open defecation."


@pytest.fixture(scope="session")
def microphone_wav(tmp_path_factory) -> Path:
    """Speech the fake microphone plays (espeak-ng), 16 kHz mono WAV."""
    path = tmp_path_factory.mktemp("microphone") / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en", "-s", "140", "-w", str(path), MICROPHONE_TEXT], check=True, timeout=60
    )
    return path


@pytest.fixture(scope="session")
def browser(microphone_wav):
    """Headless Debian Chromium whose microphone plays `microphone_wav` (no permission prompt)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    microphone = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_wav}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + microphone)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def wait_until(page, expression: str, timeout: float = 30000) -> None:
    """Wait until a JavaScript expression is true in the page.

    Playwright's wait_for_function polls with eval inside the page, which the app's CSP forbids
    (no 'unsafe-eval'); page.evaluate runs through the debugger protocol, outside the CSP.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} ms waiting for: {expression}"
        page.wait_for_timeout(100)


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
