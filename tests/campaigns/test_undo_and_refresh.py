"""Undo after a pause or a cancel that sent nothing, and the schedule the pages refresh without reload."""

from datetime import timedelta

from sqlalchemy import select

from campaigns import campaign_runs, campaign_undo
from campaigns.models import Campaign, CampaignRun, Delivery
from core.db import db
from tests.campaigns_fixtures import make_campaign, monday
from tests.helpers import csrf_token


def _post(client, path: str, **data):
    return client.post(
        path, data={"csrf_token": csrf_token(client, "/campaigns/new"), **data}, follow_redirects=True
    )


def _undo_token(page: str) -> str:
    marker = 'name="token" value="'
    assert marker in page, "no Undo offered"
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_cancel_of_a_scheduled_campaign_is_undone_to_the_same_send_time(client, login, clock):
    clock(monday(9))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    campaign_runs.schedule_campaign(campaign, Campaign.AT, monday(11, 30))
    page = _post(client, f"/campaigns/{campaign.id}/cancel").get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == Campaign.CANCELLED and "Press Undo" not in page and "press Undo" in page
    _post(client, f"/campaigns/{campaign.id}/undo", token=_undo_token(page))
    db.session.refresh(campaign)
    assert (campaign.status, campaign.next_run_at) == (Campaign.SCHEDULED, monday(11, 30))


def test_pause_is_undone_by_carrying_on(client, login, clock):
    clock(monday(9))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    campaign_runs.schedule_campaign(campaign, Campaign.AT, monday(11, 30))
    page = _post(client, f"/campaigns/{campaign.id}/pause").get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == Campaign.PAUSED
    page = _post(client, f"/campaigns/{campaign.id}/undo", token=_undo_token(page)).get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == Campaign.SCHEDULED and "Undone" in page


def test_a_cancel_that_stopped_sends_offers_no_undo(client, login, clock):
    clock(monday(11))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    campaign.status = Campaign.RUNNING
    run = CampaignRun(campaign=campaign, scheduled_for=monday(11), audience_size=0)
    db.session.add(run)
    db.session.commit()
    page = _post(client, f"/campaigns/{campaign.id}/cancel").get_data(as_text=True)
    assert 'name="token"' not in page  # calls under way were stopped: undoing could call people twice
    forged = _post(client, f"/campaigns/{campaign.id}/undo", token="guess").get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == Campaign.CANCELLED and "can no longer be undone" in forged
    assert db.session.scalar(select(Delivery)) is None


def test_undo_is_refused_after_its_time(client, login, clock):
    clock(monday(9))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    page = _post(client, f"/campaigns/{campaign.id}/cancel").get_data(as_text=True)
    clock(monday(9) + timedelta(seconds=campaign_undo.UNDO_SECONDS + 5))
    _post(client, f"/campaigns/{campaign.id}/undo", token=_undo_token(page))
    db.session.refresh(campaign)
    assert campaign.status == Campaign.CANCELLED


def test_schedule_endpoints_say_status_and_next_send(client, login, clock):
    clock(monday(9))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    before = client.get("/campaigns/schedules.json").get_json()[str(campaign.id)]
    assert before == {"status_name": "draft", "when": "Not scheduled yet."}
    campaign_runs.schedule_campaign(campaign, Campaign.AT, monday(11, 30))
    after = client.get("/campaigns/schedules.json").get_json()[str(campaign.id)]
    assert after == {"status_name": "scheduled", "when": "Next send: Monday 7 January, 11:30."}
    progress = client.get(f"/campaigns/{campaign.id}/progress.json").get_json()
    assert (progress["status_name"], progress["when"]) == ("scheduled", "Next send: Monday 7 January, 11:30.")
