"""Officer controls on a campaign: pause, resume, cancel and a test send to their own phone."""

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from campaigns import campaign_runs, editing, jobs, sending
from campaigns.models import Campaign, CampaignRun, Delivery
from core import queue
from core.db import db, utcnow
from core.models import Contact, StaffUser


def pause(campaign: Campaign) -> None:
    """Stop new sends (calls already ringing finish); resume carries on where it stopped."""
    if campaign.status in (Campaign.RUNNING, Campaign.SCHEDULED):
        campaign.status = Campaign.PAUSED
        db.session.commit()


def resume(campaign: Campaign) -> None:
    """Carry on after a pause."""
    if campaign.status != Campaign.PAUSED:
        return
    running = [run for run in campaign.runs if run.status == CampaignRun.RUNNING and not run.is_test]
    campaign.status = Campaign.RUNNING if running else Campaign.SCHEDULED
    db.session.commit()
    for run in running:
        campaign_runs.ensure_ticking(run.id)
    if not running and campaign.next_run_at:
        campaign_runs.enqueue_start(campaign)


def cancel(campaign: Campaign) -> None:
    """Stop for good: unsent rows are cancelled, no further runs."""
    campaign.status = Campaign.CANCELLED
    campaign.next_run_at = None
    for run in campaign.runs:
        if run.status == CampaignRun.RUNNING:
            run.status = CampaignRun.CANCELLED
            run.finished_at = utcnow()
    db.session.execute(
        Delivery.__table__.update()
        .where(Delivery.campaign_id == campaign.id, Delivery.state == Delivery.QUEUED)
        .values(
            state=Delivery.CANCELED,
            reason="campaign_cancelled",
            reason_detail=sending.REASONS["campaign_cancelled"],
        )
    )
    db.session.commit()


def test_send(campaign: Campaign, user: StaffUser) -> Delivery:
    """Send the campaign to the staff member's own phone now (any hour, no audience)."""
    if not user.phone:
        raise editing.CampaignError(gettext("Add your phone number on My account to test-send."))
    campaign_runs.check_ready(campaign)
    contact = db.session.scalar(select(Contact).filter_by(phone=user.phone))
    if contact is None:
        contact = Contact(
            phone=user.phone, name=user.name, role=Contact.OFFICIAL, created_by=Contact.STAFF_ADDED
        )
        contact.language_code = current_app.config["DEFAULT_LANGUAGE"]
        db.session.add(contact)
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow(), is_test=True, audience_size=1)
    channel = Delivery.VOICE if campaign.sends_voice else Delivery.SMS
    delivery = Delivery(run=run, campaign=campaign, contact=contact, channel=channel, enqueued_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    queue.enqueue_after_commit("campaigns", jobs.send_delivery, delivery.id)
    db.session.commit()
    return delivery
