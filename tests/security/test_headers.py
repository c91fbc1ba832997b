"""Security headers on every response, and pages that work under a CSP with no inline scripts.

Finding reproduced (issue 17, item 11): no page sent a Content-Security-Policy, X-Frame-Options or
frame-ancestors, HSTS, X-Content-Type-Options or Referrer-Policy, in production either.
"""

import re

import pytest

from tests.browser import log_in as browser_log_in
from tests.browser import wait_until
from tests.campaigns_fixtures import make_campaign
from tests.factories import STAFF_PASSWORD, make_contact, make_staff

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def page_rules(app):
    """Every GET route without arguments (the pages one can open from a bookmark)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/sandbox-twilio")
    )


def test_every_page_sends_the_security_headers_and_no_inline_script(app, client, login):
    login("admin")
    campaign = make_campaign()
    make_contact(district="Sitapur")
    urls = [
        *page_rules(app),
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/edit",
        "/login",
        "/nowhere",
    ]
    problems = []
    for url in urls:
        response = client.get(url)
        headers = response.headers
        policy = headers.get("Content-Security-Policy", "")
        if "frame-ancestors 'none'" not in policy or "script-src 'self'" not in policy or "unsafe" in policy:
            problems.append(f"{url}: CSP {policy!r}")
        expected = {
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        }
        problems += [f"{url}: {name}" for name, value in expected.items() if headers.get(name) != value]
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            for kind, pattern in (
                ("inline script", INLINE_SCRIPT),
                ("on*= handler", INLINE_HANDLER),
                ("style=", INLINE_STYLE),
            ):
                problems += [f"{url}: {kind} {match[:60]!r}" for match in pattern.findall(body)]
    assert len(urls) > 20 and problems == []


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://chaupal.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    behind_proxy = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age" in behind_proxy.headers["Strict-Transport-Security"]


def test_webhooks_and_media_carry_the_headers_too(client, twilio_post):
    response = twilio_post(
        "/ivr/voice",
        {"CallSid": "CA" + "7" * 32, "From": "+919800080001", "To": "+18005550100", "CallStatus": "ringing"},
    )
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.browser
def test_pages_that_had_inline_scripts_work_under_the_policy(page, live_server):
    """The campaign editor, a campaign's page and the digest, in Chromium, with no CSP violation."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    officer = make_staff("officer", districts=("Sitapur",))
    for n in range(3):
        make_contact(district="Sitapur", phone=f"+9198000900{n:02d}")
    campaign = make_campaign(user=officer)
    browser_log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/campaigns/new")
    wait_until(page, "/^[0-9]+$/.test(document.getElementById('audience-count').textContent)")
    page.goto(live_server.url + f"/campaigns/{campaign.id}")
    page.wait_for_selector("#progress [data-key]")
    page.goto(live_server.url + "/campaigns/analytics/digest")
    assert page.locator("[data-print]").count() == 1
    page.goto(live_server.url + "/simulator/")
    page.wait_for_selector("#caller option", state="attached")
    assert violations == []
