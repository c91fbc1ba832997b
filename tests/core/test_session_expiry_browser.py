"""A form sent after the session ran out: the person logs in again and finds their text in the form."""

import pytest
from sqlalchemy import select

from core.db import db
from core.models import StaffUser
from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_typed_text_survives_an_expired_session(page, live_server):
    officer = make_staff("officer", districts=["Sitapur"])
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/account")
    page.fill("[name=phone]", "98765 43210")
    page.context.clear_cookies()  # the session runs out while the officer is typing
    page.click("main button[type=submit]")
    assert "Please log in again" in page.content()
    page.click("main a.button")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    assert page.url.endswith("/account")
    assert page.input_value("[name=phone]") == "98765 43210"
    page.click("main button[type=submit]")
    assert "Your account is saved." in page.content()
    db.session.expire_all()
    assert db.session.scalar(select(StaffUser.phone).filter_by(id=officer.id)) == "+919876543210"


def test_a_saved_form_forgets_its_draft(page, live_server):
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/account")
    page.fill("[name=phone]", "98765 43210")
    page.click("main button[type=submit]")
    assert "Your account is saved." in page.content()
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('draft:/account'))") == []
