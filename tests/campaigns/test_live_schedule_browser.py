"""In Chromium: the campaign list and page show a new status and schedule sentence without a reload."""

import pytest

from campaigns import campaign_runs
from campaigns.models import Campaign
from core.db import db
from tests.browser import log_in
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_refresh(live_server):
    """The list polls every second in this test (15 s in use)."""
    config = live_server.app.config
    saved = config.get("SCHEDULE_REFRESH_SECONDS")
    config["SCHEDULE_REFRESH_SECONDS"] = 1
    yield
    config.pop("SCHEDULE_REFRESH_SECONDS") if saved is None else config.update(SCHEDULE_REFRESH_SECONDS=saved)


def test_status_and_next_send_refresh_on_the_list_and_the_page(page, live_server, quick_refresh):
    officer = make_staff("officer", districts=("Sitapur",))
    campaign = make_campaign(officer)
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/campaigns/")
    row = page.locator(f"tr[data-campaign='{campaign.id}']")
    assert row.locator("[data-key=status]").inner_text() == "draft"
    page.evaluate("window.notReloaded = true")
    campaign_runs.schedule_campaign(
        campaign, Campaign.AT, monday(11, 30)
    )  # elsewhere: another officer, the API
    row.locator("[data-key=status]", has_text="scheduled").wait_for(timeout=10_000)
    assert row.locator("[data-key=when]").inner_text() == "Next send: Monday 7 January, 11:30."
    assert page.evaluate("window.notReloaded === true")  # the same document: no reload

    page.goto(f"{live_server.url}/campaigns/{campaign.id}")
    campaign.status = Campaign.PAUSED
    db.session.commit()
    page.locator("[data-live=status]", has_text="paused").wait_for(timeout=15_000)
    assert page.locator("[data-live=when]").inner_text() == "Paused: nobody is called until you press Resume."
