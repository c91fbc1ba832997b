"""Staff pages show times in the programme's zone, in the reader's language, and name the zone once."""

from datetime import UTC, datetime

from core.db import db
from core.i18n import COOKIE
from tests.factories import make_contact


def _person_page(client, login, when: datetime) -> str:
    login("admin")
    contact = make_contact(name="Sunita")
    contact.created_at = when
    db.session.commit()
    return client.get(f"/people/{contact.id}").get_data(as_text=True)


def test_a_utc_time_is_shown_in_india_time_and_the_zone_is_named_once(client, login):
    # 20:00 UTC on 31 December is already 1 January in India: the day shown must be India's.
    page = _person_page(client, login, datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert "joined 1 Jan 2027" in page
    assert page.count("India Time") == 1 and "UTC" not in page


def test_the_zone_and_months_in_hindi(client, login):
    client.set_cookie(COOKIE, "hi")
    page = _person_page(client, login, datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert "1 जन॰ 2027" in page and page.count("भारत समय") == 1


def test_another_configured_zone_is_followed(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
    page = _person_page(client, login, datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert "joined 31 Dec 2026" in page and "Coordinated Universal Time" in page


def test_pages_before_login_name_no_zone(client):
    assert "Times on this page" not in client.get("/login").get_data(as_text=True)
