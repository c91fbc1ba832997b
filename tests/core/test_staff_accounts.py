"""Staff accounts in the browser: an admin creates, changes, resets and disables; everyone keeps their own account."""

import pytest
from sqlalchemy import select

from core.db import db
from core.i18n import COOKIE
from core.models import StaffUser
from tests.browser import log_in as browser_log_in
from tests.factories import STAFF_PASSWORD, district, make_staff
from tests.helpers import csrf_token, log_in

NEW_PASSWORD = "a new long password"


def account(username: str) -> StaffUser:
    db.session.expire_all()
    return db.session.scalar(select(StaffUser).filter_by(username=username))


def staff_form(client, **fields) -> dict:
    data = {"csrf_token": csrf_token(client, "/staff/new"), "role": "officer", "active": "1"}
    return data | fields


def test_an_admin_creates_an_officer_who_then_logs_in(client, login):
    login("admin")
    sitapur = str(district("Sitapur").id)
    form = staff_form(
        client,
        username="Meera",
        name="Meera Devi",
        district_ids=sitapur,
        is_expert="1",
        password=NEW_PASSWORD,
        password_again=NEW_PASSWORD,
    )
    assert client.post("/staff/new", data=form).status_code == 302
    meera = account("meera")
    assert meera.role == "officer" and meera.is_expert and [d.name for d in meera.districts] == ["Sitapur"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert log_in(client, "meera", NEW_PASSWORD).status_code == 302


def test_a_refused_new_account_keeps_what_was_typed(client, login):
    login("admin")
    form = staff_form(client, username="ravi", name="Ravi Kumar", password="short", password_again="short")
    response = client.post("/staff/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "at least 10 characters" in page
    assert 'value="ravi"' in page and 'value="Ravi Kumar"' in page
    assert account("ravi") is None


def test_an_officer_needs_a_district(client, login):
    login("admin")
    form = staff_form(client, username="nodistrict", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert client.post("/staff/new", data=form).status_code == 400
    assert account("nodistrict") is None


def test_reset_password_and_disable_end_the_persons_sessions(app, client, login):
    officer = make_staff("officer", districts=["Sitapur"])
    their_browser = app.test_client()
    log_in(their_browser, officer.username)
    assert their_browser.get("/campaigns/").status_code == 200
    login("admin")
    form = staff_form(
        client,
        role="officer",
        district_ids=str(district("Sitapur").id),
        password=NEW_PASSWORD,
        password_again=NEW_PASSWORD,
    )
    assert client.post(f"/staff/{officer.id}", data=form).status_code == 302
    assert their_browser.get("/campaigns/").status_code == 302  # logged out
    assert log_in(their_browser, officer.username, NEW_PASSWORD).status_code == 302
    form = staff_form(client, role="officer", district_ids=str(district("Sitapur").id), active="0")
    assert client.post(f"/staff/{officer.id}", data=form).status_code == 302
    assert their_browser.get("/campaigns/").status_code == 302
    assert log_in(their_browser, officer.username, NEW_PASSWORD).status_code == 401


def test_an_admin_cannot_lock_themselves_out(client, login):
    admin = login("admin")
    form = staff_form(client, role="curator")
    assert client.post(f"/staff/{admin.id}", data=form).status_code == 400
    assert account(admin.username).role == "admin"


@pytest.mark.parametrize("role", ["curator", "officer"])
def test_only_admins_manage_staff(client, login, role):
    login(role, districts=["Sitapur"])
    assert client.get("/staff/").status_code == 403
    assert client.post("/staff/new", data=staff_form(client, username="x")).status_code == 403


def test_everyone_sets_their_own_phone_password_and_language(client, login):
    officer = login("officer", districts=["Sitapur"])
    form = {
        "csrf_token": csrf_token(client, "/account"),
        "phone": "98765 43210",
        "language": "hi",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    response = client.post("/account", data=form)
    assert response.status_code == 302 and f"{COOKIE}=hi" in response.headers["Set-Cookie"]
    assert account(officer.username).phone == "+919876543210"
    assert client.get("/account").status_code == 200  # still logged in after the new password
    assert "मेरा खाता" in client.get("/account").get_data(as_text=True)


def test_a_wrong_phone_is_refused_next_to_what_was_typed(client, login):
    login("curator")
    form = {"csrf_token": csrf_token(client, "/account"), "phone": "12345", "language": "en"}
    response = client.post("/account", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "does not look like a mobile number" in page and 'value="12345"' in page


@pytest.mark.browser
def test_an_admin_creates_a_staff_member_in_chromium_who_then_logs_in(page, live_server):
    admin = make_staff("admin")
    browser_log_in(page, live_server, admin.username, STAFF_PASSWORD)
    page.click("nav >> text=Staff")
    page.click("text=Add a staff member")
    page.fill("[name=username]", "asha")
    page.fill("[name=name]", "Asha Kumari")
    page.select_option("[name=role]", "curator")
    page.check("[name=is_expert]")
    page.fill("[name=password]", NEW_PASSWORD)
    page.fill("[name=password_again]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    assert "Account asha made" in page.content()
    page.click("text=Log out")
    browser_log_in(page, live_server, "asha", NEW_PASSWORD)
    assert page.locator(".who").inner_text().startswith("asha")
    assert "Review queue" in page.locator("header nav").inner_text()
