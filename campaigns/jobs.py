"""RQ entry points for campaigns: plain functions taking ids, safe to run twice."""

from campaigns import batch_sending, campaign_runs, forwards, sending
from campaigns.models import CampaignRun
from core import queue, twilio
from core.db import db


def start_campaign(campaign_id: int) -> None:
    """Open the campaign's due run (outbox rows for its audience) and start feeding it."""
    campaign_runs.start_run(campaign_id)


def tick_run(run_id: int) -> None:
    """Look after a running run; the next tick is booked first so a killed worker cannot end the chain."""
    run = db.session.get(CampaignRun, run_id)
    if run is None or run.status != CampaignRun.RUNNING:
        return
    campaign_runs.schedule_next_tick(run_id)
    campaign_runs.tick(run_id)


def send_delivery(delivery_id: int) -> None:
    """Send one outbox row, at most once (a test-send, a retry, a row an interrupted send left behind)."""
    sending.send(delivery_id)


def send_due(run_id: int, until: float) -> None:
    """Send the run's due rows in batches, each in its rate slot, until `until` (epoch seconds) or none is due."""
    batch_sending.send_due(run_id, until)


def preload() -> None:
    """Load the REST client before the first send: its first use would land between a rate slot and the call."""
    twilio.preload()


def place_forward(forward_id: int) -> None:
    """Call the friend a caller shared an item with (inside calling hours; at most once)."""
    forwards.place(forward_id)


def place_due_forwards() -> int:
    """Every minute: place forwards that were asked for outside calling hours, once the hours open."""
    return forwards.place_due()


PERIODIC = [queue.Periodic(place_due_forwards, every_seconds=60)]
