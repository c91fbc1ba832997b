"""API fixtures: real tokens made the way the admin page makes them, and a client that sends them."""

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
