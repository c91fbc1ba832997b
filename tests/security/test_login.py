"""Login: no open redirect, and throttling that slows guessing without locking staff out.

Attacks reproduced (issue 17, items 6 and 13): `?next=/%09/evil.example.com` answered
`Location: //evil.example.com`; anyone could lock any account for 15 minutes with 5 wrong guesses; a
changing X-Forwarded-For dodged the per-address limit; 30 failures from a shared office address
locked everyone there out.
"""

import pytest

from core import login_throttle
from core.app import create_app
from core.queue import redis_connection
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import IsolatedClient, csrf_token, log_in

OFFICE, ATTACKER = "203.0.113.10", "198.51.100.66"


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand: clock.now += seconds."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(login_throttle, "now", lambda: Clock.now)
    return Clock


def attempt(client, username: str, password: str, address: str, headers=None, next_page: str = ""):
    token = csrf_token(client)
    return client.post(
        "/login" + (f"?next={next_page}" if next_page else ""),
        data={"username": username, "password": password, "csrf_token": token},
        environ_overrides={"REMOTE_ADDR": address},
        headers=headers or {},
    )


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example.com",
        "/%0a/evil.example.com",
        "/%0d/evil.example.com",
        "/%5Cevil.example.com",
        "/%5C%5Cevil.example.com",
        "//evil.example.com",
        "https://evil.example.com/",
        "/%20/evil.example.com",
        "%2F%2Fevil.example.com",
        "javascript:alert(1)",
    ],
)
def test_no_open_redirect_after_login(client, target):
    user = make_staff("curator")
    response = attempt(client, user.username, STAFF_PASSWORD, OFFICE, next_page=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_path_on_this_site_is_followed_after_login(client):
    user = make_staff("curator")
    response = attempt(client, user.username, STAFF_PASSWORD, OFFICE, next_page="/people/%3Fq%3Dram")
    assert response.headers["Location"] == "/people/?q=ram"


def test_an_attacker_cannot_lock_a_staff_member_out(client, clock):
    user = make_staff("curator")
    for _ in range(5):
        assert attempt(client, user.username, "wrong guess!!", ATTACKER).status_code == 401
    locked = attempt(client, user.username, STAFF_PASSWORD, ATTACKER)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60  # the guesser's address
    slowed = attempt(client, user.username, STAFF_PASSWORD, OFFICE)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 1
    clock.now += int(slowed.headers["Retry-After"])
    assert attempt(client, user.username, STAFF_PASSWORD, OFFICE).status_code == 302


def test_the_delay_doubles_and_stops_at_a_minute(client, clock, app):
    user = make_staff("curator")
    waits = []
    for guess in range(20):
        address = f"198.51.100.{guess}"  # a botnet: every guess from a new address
        response = attempt(client, user.username, "wrong guess!!", address)
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.now += waits[-1]
            response = attempt(client, user.username, "wrong guess!!", address)
        assert response.status_code == 401
    assert waits[:4] == [1, 2, 4, 8] and max(waits) == app.config["LOGIN_MAX_DELAY_SECONDS"] == 60
    clock.now += 60
    assert attempt(client, user.username, STAFF_PASSWORD, OFFICE).status_code == 302


def test_a_changing_x_forwarded_for_does_not_reset_the_address_count(client, clock):
    for guess in range(30):
        spoofed = {"X-Forwarded-For": f"10.9.{guess}.1"}
        assert attempt(client, f"nobody{guess}", "wrong guess!!", ATTACKER, spoofed).status_code == 401
    spoofed = {"X-Forwarded-For": "10.9.99.1"}
    assert attempt(client, "nobody99", "wrong guess!!", ATTACKER, spoofed).status_code == 429


def test_behind_a_configured_proxy_the_forwarded_address_counts(app, clock):
    keep = (
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "REDIS_URL",
        "SECRET_KEY",
        "MEDIA_DIR",
        "INSTANCE_PATH",
    )
    proxied = create_app(
        {**{k: app.config[k] for k in keep}, "CHAUPAL_ENV": "testing", "TRUSTED_PROXY_COUNT": "1"}
    )
    proxied.test_client_class = IsolatedClient
    client = proxied.test_client()
    user = make_staff("curator")
    for _ in range(5):
        attempt(client, user.username, "wrong guess!!", "127.0.0.1", {"X-Forwarded-For": ATTACKER})
    office = attempt(client, user.username, STAFF_PASSWORD, "127.0.0.1", {"X-Forwarded-For": OFFICE})
    assert office.status_code == 429 and int(office.headers["Retry-After"]) <= 1  # slowed, not locked
    clock.now += 1
    assert (
        attempt(client, user.username, STAFF_PASSWORD, "127.0.0.1", {"X-Forwarded-For": OFFICE}).status_code
        == 302
    )


def test_a_shared_office_is_slowed_never_locked_out(client, clock):
    for guess in range(40):
        response = attempt(client, f"typo{guess}", "wrong guess!!", OFFICE)
        if response.status_code == 429:
            clock.now += int(response.headers["Retry-After"])
    colleague = make_staff("officer")
    response = attempt(client, colleague.username, STAFF_PASSWORD, OFFICE)
    assert response.status_code in (302, 429)
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) <= 60
        clock.now += int(response.headers["Retry-After"])
        response = attempt(client, colleague.username, STAFF_PASSWORD, OFFICE)
    assert response.status_code == 302


def test_an_admin_unlocks_an_account_at_once(app, client, clock):
    user = make_staff("curator")
    for _ in range(5):
        attempt(client, user.username, "wrong guess!!", OFFICE)
    assert attempt(client, user.username, STAFF_PASSWORD, OFFICE).status_code == 429
    admin = app.test_client()
    log_in(admin, make_staff("admin").username)
    page = admin.get("/login/throttled").get_data(as_text=True)
    assert user.username in page
    form = {"csrf_token": csrf_token(admin, "/login/throttled"), "username": user.username}
    assert admin.post("/login/throttled/unlock", data=form).status_code == 302
    assert not list(redis_connection().scan_iter(f"chaupal:login:*{user.username}*"))
    assert attempt(client, user.username, STAFF_PASSWORD, OFFICE).status_code == 302
