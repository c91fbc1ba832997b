"""The API's admin pages in Hindi: no English word left but names, addresses and what programmers read."""

import re

from sqlalchemy import select

from api import tokens, views, webhooks
from api.models import ApiAuditEntry, WebhookDelivery
from core.db import db
from core.i18n import COOKIE
from core.models import District, State
from tests.helpers import csrf_token, english_left

HOOK = "http://127.0.0.1:9/hooks/chaupal"  # an address the admin typed: data, shown as written
TOKEN_NAME = "District dashboard"


def places() -> tuple[str, ...]:
    return tuple(db.session.scalars(select(District.name).union(select(State.name))))


def api_with_history(admin) -> None:
    """A token that wrote once, a webhook subscription and a failed delivery."""
    token, _ = tokens.create_token(TOKEN_NAME, "write", None, False, admin)
    subscription = webhooks.subscribe(HOOK, list(webhooks.EVENTS), True, admin.id)
    db.session.flush()
    db.session.add(ApiAuditEntry(token_id=token.id, method="POST", path="/api/v1/contacts", status_code=201))
    db.session.add(
        WebhookDelivery(
            subscription_id=subscription.id,
            event="contact.opted_out",
            event_id="evt-1",
            payload="{}",
            status=WebhookDelivery.FAILED,
            attempts=4,
            response_code=503,
        )
    )
    db.session.commit()


def outside_english_reference(page: str) -> str:
    """The page without its elements marked lang="en": the API reference (paths, summaries, schemas)
    is for programmers, who write their code in English, and stays as the OpenAPI document says it."""
    return re.sub(r'<(\w+)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)


def test_every_api_admin_page_is_in_hindi(client, login):
    admin = login("admin")
    api_with_history(admin)
    client.set_cookie(COOKIE, "hi")
    # names and codes as written: the token's and admin's names, the hook's address, event codes,
    # the token's prefix, HTTP methods and paths of the audit log
    names = (admin.username, TOKEN_NAME, HOOK, *webhooks.EVENTS, *places(), "POST /api/v1/contacts")
    prefixes = tuple(t.prefix for t in tokens.all_tokens())
    for path in (
        "/admin/api/tokens",
        "/admin/api/webhooks",
        "/admin/api/webhooks/deliveries",
        "/admin/api/audit",
    ):
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, (*names, *prefixes)) == set(), path
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert english_left(outside_english_reference(docs), (admin.username,)) == set()
    assert docs.count('lang="en"') > len(views.operations())  # the reference is there, marked English


def test_the_api_admin_refusals_and_confirmations_are_in_hindi(client, login):
    admin = login("admin")
    client.set_cookie(COOKIE, "hi")
    token = csrf_token(client, "/admin/api/tokens")
    names = (admin.username, TOKEN_NAME, HOOK, *webhooks.EVENTS, *places())
    posts = (
        ("/admin/api/tokens", {"name": TOKEN_NAME, "scope": "read"}),  # no district chosen: refused
        ("/admin/api/webhooks", {"url": HOOK, "events": "story.published"}),  # a private address: refused
        ("/admin/api/webhooks", {"url": "https://example.org/hook"}),  # no event: refused
    )
    for path, form in posts:
        page = client.post(path, data={**form, "csrf_token": token})
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and "flash error" in html, path
        assert TOKEN_NAME in html or HOOK in html or "example.org" in html  # what was typed comes back
        assert english_left(html, (*names, "https://example.org/hook")) == set(), (path, form)
    made, _ = tokens.create_token(TOKEN_NAME, "read", None, False, admin)
    subscription = webhooks.subscribe(HOOK, ["story.published"], True, admin.id)
    db.session.commit()
    for path in (f"/admin/api/tokens/{made.id}/revoke", f"/admin/api/webhooks/{subscription.id}/stop"):
        page = client.post(path, data={"csrf_token": token}, follow_redirects=True)
        html = page.get_data(as_text=True)
        assert "flash info" in html, path
        assert english_left(html, (*names, made.prefix)) == set(), path
