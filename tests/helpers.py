"""Helpers shared by the tests (fixtures live in conftest.py and the *_fixtures plugins, never here)."""

import contextvars
import re
import socket

from flask.testing import FlaskClient

from tests.factories import STAFF_PASSWORD

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://chaupal.example.org"


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as in production, not in the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def csrf_token(client, page: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(page).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def log_in(client, username: str, password: str = STAFF_PASSWORD):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Words that stay in Latin letters in Hindi pages: names and abbreviations staff know as they are.
LATIN_ALLOWED = {"API", "SMS", "CSV", "PDF", "Twilio", "DELETE", "English"}


def english_left(page: str, names: tuple[str, ...] = ()) -> set[str]:
    """Latin-letter words a reader of a Hindi page still sees, outside tags, scripts and styles.

    `names` are the people's and places' names on the page: they stay as they were written.
    """
    body = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    kept = {word for name in names for word in re.findall(r"[A-Za-z]{2,}", name)}
    return set(re.findall(r"[A-Za-z]{2,}", text)) - LATIN_ALLOWED - kept


def command_env(app, instance, redis_url: str | None = None) -> dict[str, str]:
    """The environment for a `chaupal` command run as a subprocess on the test's database and Redis."""
    import os

    return {
        **os.environ,
        "CHAUPAL_ENV": "development",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": redis_url or app.config["REDIS_URL"],
        "SECRET_KEY": "k" * 40,
    }
