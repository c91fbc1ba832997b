"""Undo for a pause or a cancel, for a short while after it, restoring exactly the state before.

Only what sent nothing can be undone: a pause (resuming carries on where it stopped) and the cancel of
a campaign no run of which was under way (a draft, or a scheduled one waiting for its next send), so
nothing that was sent or stopped mid-way is ever sent again. The offer lives in the officer's session,
with the state to restore, and is refused once the campaign has moved on or the time is up.
"""

import secrets
from datetime import datetime, timedelta

from flask import session

from campaigns import campaign_controls, campaign_runs, schedule
from campaigns.models import Campaign, CampaignRun
from core.db import db

UNDO_SECONDS = 120
_KEY = "campaign_undo"


def undoable_cancel(campaign: Campaign) -> bool:
    """True when cancelling stops nothing under way: no run is sending, so none of its calls are lost."""
    running = any(run.status == CampaignRun.RUNNING and not run.is_test for run in campaign.runs)
    return campaign.status in (Campaign.DRAFT, Campaign.SCHEDULED) and not running


def offer(campaign: Campaign, action: str, before: str, next_run_at: datetime | None) -> str:
    """Remember how to undo `action` on the campaign; the token the Undo button sends back."""
    token = secrets.token_urlsafe(16)
    session[_KEY] = {
        "token": token,
        "campaign_id": campaign.id,
        "action": action,
        "status": before,
        "next_run_at": next_run_at.isoformat() if next_run_at else None,
        "until": (schedule.now() + timedelta(seconds=UNDO_SECONDS)).isoformat(),
    }
    return token


def pending(campaign: Campaign) -> str | None:
    """The token of an undo still on offer for this campaign, or None."""
    found = _offer_for(campaign)
    return found["token"] if found else None


def undo(campaign: Campaign, token: str) -> bool:
    """Restore the state before the pause or cancel; False when the offer is gone, expired or moved on."""
    found = _offer_for(campaign)
    session.pop(_KEY, None)
    if found is None or not secrets.compare_digest(found["token"], token or ""):
        return False
    if found["action"] == "pause":
        if campaign.status != Campaign.PAUSED:
            return False
        campaign_controls.resume(campaign)
        return True
    if campaign.status != Campaign.CANCELLED or any(
        run.status == CampaignRun.RUNNING for run in campaign.runs
    ):
        return False
    _uncancel(campaign, found)
    return True


def _uncancel(campaign: Campaign, found: dict) -> None:
    campaign.status = found["status"]
    campaign.next_run_at = datetime.fromisoformat(found["next_run_at"]) if found["next_run_at"] else None
    db.session.commit()
    if campaign.status == Campaign.SCHEDULED and campaign.next_run_at:
        campaign_runs.enqueue_start(campaign)


def _offer_for(campaign: Campaign) -> dict | None:
    found = session.get(_KEY)
    if not found or found["campaign_id"] != campaign.id:
        return None
    if datetime.fromisoformat(found["until"]) < schedule.now():
        session.pop(_KEY, None)
        return None
    return found
