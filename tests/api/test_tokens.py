"""API tokens: made by admins in the browser, shown once, kept hashed, revocable, rate-limited, district-walled."""

import re

from sqlalchemy import select

from api.models import ApiToken
from core.db import db
from tests.factories import district
from tests.helpers import csrf_token


def create_through_page(client, **form) -> str:
    token = csrf_token(client, "/admin/api/tokens")
    html = client.post("/admin/api/tokens", data={"csrf_token": token, **form}).get_data(as_text=True)
    match = re.search(r'<code id="new-token">([^<]+)</code>', html)
    assert match, html
    return match.group(1)


def test_an_admin_makes_a_token_that_is_shown_once_and_stored_hashed(client, login, api):
    login("admin")
    secret = create_through_page(client, name="MIS sync", scope="read", all_districts="1")
    assert secret not in client.get("/admin/api/tokens").get_data(as_text=True)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash != secret and secret not in row.token_hash and row.prefix == secret[:10]
    assert row.last_used_at is None
    assert api("GET", "/districts", secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_only_admins_open_the_token_pages(client, login):
    login("officer", districts=["Sitapur"])
    assert client.get("/admin/api/tokens").status_code == 403
    assert client.get("/admin/api/audit").status_code == 403


def test_a_revoked_token_is_refused_at_once(client, login, api):
    login("admin")
    secret = create_through_page(client, name="partner", scope="write", all_districts="1")
    assert api("GET", "/districts", secret).status_code == 200
    token_id = db.session.scalar(select(ApiToken.id))
    client.post(
        f"/admin/api/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/admin/api/tokens")}
    )
    response = api("GET", "/districts", secret)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_no_token_or_a_made_up_one_gets_a_readable_401(api, make_token):
    make_token()
    for secret in (None, "chp_not-a-real-token", "something else"):
        response = api("GET", "/districts", secret)
        assert response.status_code == 401
        assert set(response.json["error"]) >= {"code", "message", "field"}


def test_over_the_rate_limit_is_429_with_retry_after(app, api, make_token):
    secret = make_token()
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    try:
        statuses = [api("GET", "/districts", secret).status_code for _ in range(4)]
        refused = api("GET", "/districts", secret)
    finally:
        app.config["API_RATE_LIMIT_PER_MINUTE"] = 120
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["error"]["code"] == "rate_limited"
    assert api("GET", "/districts", make_token()).status_code == 200  # the limit is per token


def test_a_district_token_sees_only_its_districts(api, make_token):
    secret = make_token(districts=["Sitapur"])
    names = [d["name"] for d in api("GET", "/districts", secret).json["results"]]
    assert names == ["Sitapur"]
    assert api("GET", f"/districts/{district('Lucknow').id}", secret).status_code == 404
    sitapur = api("GET", f"/districts/{district('Sitapur').id}", secret).json
    assert {b["name"] for b in sitapur["blocks"]} >= {"Biswan", "Mahmudabad"}


def test_reads_carry_an_etag_and_answer_304_when_unchanged(api, make_token):
    secret = make_token()
    first = api("GET", f"/districts/{district('Sitapur').id}", secret)
    again = api(
        "GET",
        f"/districts/{district('Sitapur').id}",
        secret,
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert first.headers["ETag"] and again.status_code == 304 and again.get_data() == b""


def test_unknown_paths_and_methods_answer_in_the_api_error_shape(api, make_token):
    secret = make_token()
    missing = api("GET", "/no-such-thing", secret)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = api("DELETE", "/districts", secret)
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    huge = api("GET", f"/districts/{2**40}", secret)
    assert huge.status_code == 404 and huge.json["error"]["code"] == "not_found"


def test_cursor_pagination_walks_every_district_once(api, make_token):
    secret = make_token()
    seen, cursor = [], None
    while True:
        page = api("GET", "/districts?limit=1" + (f"&cursor={cursor}" if cursor else ""), secret).json
        seen += [d["id"] for d in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 2
    bad = api("GET", "/districts?cursor=nonsense", secret)
    assert bad.status_code == 400 and bad.json["error"]["field"] == "cursor"


def test_retry_after_counts_to_the_end_of_the_tokens_minute(app):
    from api import ratelimit

    app.config["API_RATE_LIMIT_PER_MINUTE"] = 2
    try:
        minute = 1_800_000_000 - 1_800_000_000 % 60
        waits = [ratelimit.seconds_to_wait(7, now=minute + 50.2) for _ in range(3)]
        next_minute = ratelimit.seconds_to_wait(7, now=minute + 60)
    finally:
        app.config["API_RATE_LIMIT_PER_MINUTE"] = 120
    assert waits == [0, 0, 10] and next_minute == 0


def test_every_write_refuses_a_read_only_token_and_every_operation_refuses_no_token(api, make_token):
    from api.views import operations

    read_only = make_token("read")
    for op in operations():
        path = op.path.format(**{name: 1 for name in op.path_params})
        assert api(op.method, path, None, json={}).status_code == 401, op.path
        if op.write:
            response = api(op.method, path, read_only, json={}, headers={"If-Match": "*"})
            assert response.status_code == 403, op.path
