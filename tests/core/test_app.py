from sqlalchemy import select

from core.models import District, Language, Topic
from tests.helpers import csrf_token, log_in


def test_healthz_is_always_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_reports_database_and_redis(client):
    body = client.get("/readyz").get_json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["status"] == "ready"


def test_readyz_is_503_when_redis_is_unreachable(app, client, monkeypatch):
    from core import queue

    broken = queue.Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    monkeypatch.setattr(queue, "redis_connection", lambda *a: broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("failed")


def test_reference_data_is_seeded(app):
    from core.db import db

    assert {lang.code for lang in db.session.scalars(select(Language))} >= {"hi", "en"}
    slugs = {t.slug for t in db.session.scalars(select(Topic))}
    assert {"twin-pit", "menstrual-hygiene", "slippage", "child-faeces"} <= slugs
    assert db.session.scalar(select(District).filter_by(name="Sitapur")).state.name == "Uttar Pradesh"


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_renders_with_csrf(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<form" in html and 'name="csrf_token"' in html


def test_unknown_page_is_a_readable_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_login_and_logout_round_trip(client, login):
    user = login("curator")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert user.username in page
    token = csrf_token(client, "/login")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, login):
    user = login("curator")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    response = log_in(client, user.username, "wrong password!")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_logs_never_show_phone_numbers(caplog):
    import logging

    from core.logs import MaskingFilter, mask_phone

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call from %s", ("+919812345678",), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "call from +91••••••5678"
    assert mask_phone("+919812345678") == "+91••••••5678"
    assert "12345" not in mask_phone("+919812345678")


def test_a_rest_call_does_not_flood_the_log(app, caplog, twilio_server):
    import logging

    from core import twilio

    caplog.set_level(logging.INFO)
    logging.getLogger("chaupal.test").info("the app's own INFO lines still show")
    twilio.send_sms("+919800000001", "hello")
    assert twilio_server.created("Messages")
    assert [record.name for record in caplog.records] == ["chaupal.test"]
