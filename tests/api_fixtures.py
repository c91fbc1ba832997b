"""API fixtures: real tokens made the way the admin page makes them, and a client that sends them."""

import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api import tokens
from core.db import db
from tests.factories import district, make_staff


@pytest.fixture
def make_token():
    """make_token(scope="read", districts=("Sitapur",) or None for all, sees_phones=False) -> the secret."""

    def make(scope: str = "read", districts=None, sees_phones: bool = False, name: str = "test") -> str:
        ids = None if districts is None else [district(d).id if isinstance(d, str) else d for d in districts]
        _, secret = tokens.create_token(name, scope, ids, sees_phones, make_staff("admin"))
        db.session.commit()
        return secret

    return make


@pytest.fixture
def api(client):
    """api(method, path, token, json=None, headers=None) -> the response of /api/v1<path>."""

    def call(method: str, path: str, token: str | None, json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)

    return call


@dataclass
class Receiver:
    """A loopback HTTP server that takes webhook posts: records each, answers from a list of statuses."""

    answers: deque = field(default_factory=deque)
    received: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answers.popleft() if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 for one test."""
    server = Receiver().start()
    yield server
    server.server.shutdown()
    server.server.server_close()
