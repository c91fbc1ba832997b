"""The officer reads when a campaign will send: the next send time, or the calling-window wait in words."""

from datetime import UTC

from campaigns.models import Campaign
from core.db import db
from tests.campaigns_fixtures import make_campaign, monday


def test_a_scheduled_campaign_shows_its_next_send_time_in_local_time(client, login, clock):
    officer = login("officer", districts=["Sitapur"])
    clock(monday(8))
    campaign = make_campaign(user=officer)
    campaign.status = Campaign.SCHEDULED
    campaign.next_run_at = monday(11, 30).astimezone(UTC)
    db.session.commit()
    for page in (f"/campaigns/{campaign.id}", "/campaigns/"):
        assert "Next send: Monday 7 January, 11:30." in client.get(page).get_data(as_text=True)


def test_a_running_campaign_outside_calling_hours_says_what_it_waits_for(client, login, clock):
    officer = login("officer", districts=["Sitapur"])
    clock(monday(19, 50))
    campaign = make_campaign(user=officer, window_start="10:00", window_end="18:00")
    campaign.status = Campaign.RUNNING
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert (
        "Waiting for the calling window (10:00–18:00): calls start Tuesday 8 January, 10:00, "
        "14 hours 10 minutes from now." in page
    )


def test_the_wait_is_said_in_hindi_too(client, login, clock):
    officer = login("officer", districts=["Sitapur"])
    client.set_cookie("chaupal_language", "hi")
    clock(monday(9, 40))
    campaign = make_campaign(user=officer, window_start="10:00", window_end="18:00")
    campaign.status = Campaign.RUNNING
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "कॉल करने के समय" in page and "20 मिनट" in page
