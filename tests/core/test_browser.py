import pytest

from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_staff_log_in_and_out_in_a_real_browser(page, live_server):
    user = make_staff("officer", districts=["Sitapur"])
    log_in(page, live_server, user.username, STAFF_PASSWORD)
    assert page.locator(".who").inner_text().startswith(user.username)
    page.click("text=Log out")
    assert page.url.endswith("/login")
    assert "You are logged out." in page.content()


def test_wrong_password_shows_a_readable_message(page, live_server):
    user = make_staff("curator")
    log_in(page, live_server, user.username, "not the password")
    assert page.locator(".flash.error").inner_text() == "That username and password do not match."
