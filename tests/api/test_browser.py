"""The token page in a real browser: an admin makes a token, uses it once, and revokes it."""

import pytest
import requests

from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_an_admin_makes_uses_and_revokes_a_token(page, live_server):
    admin = make_staff("admin")
    log_in(page, live_server, admin.username, STAFF_PASSWORD)
    page.click("nav >> text=API")
    page.fill("input[name=name]", "District MIS")
    page.select_option("select[name=scope]", "write")
    page.check("input[name=all_districts]")
    page.click("text=Create token")
    secret = page.locator("#new-token").inner_text()
    districts = requests.get(
        f"{live_server.url}/api/v1/districts", headers={"Authorization": f"Bearer {secret}"}
    )
    assert districts.status_code == 200 and districts.json()["results"]
    page.goto(f"{live_server.url}/admin/api/tokens")
    assert secret not in page.content() and "District MIS" in page.content()
    page.once("dialog", lambda dialog: dialog.accept())  # revoking asks for a confirmation
    page.click("button:has-text('Revoke')")
    assert "Token revoked" in page.locator(".flash.info").inner_text()
    refused = requests.get(
        f"{live_server.url}/api/v1/districts", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status_code == 401
    page.click("text=the API")
    assert page.locator("#list_contacts").count() == 1
