"""Twilio's status callbacks for broadcast calls and SMS: delivery states that only move forward, and retries."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaigns import campaign_runs, jobs, schedule, sending
from campaigns.models import Campaign, CampaignRun, Delivery
from core import queue, twilio
from core.db import db, utcnow
from core.twilio import UNSUBSCRIBED_CODE

RESULT_WAIT_HOURS = 2  # a call with no final status after this long will not get a retry


CALL_STATES = {
    "queued": Delivery.SENT,
    "initiated": Delivery.SENT,
    "ringing": Delivery.RINGING,
    "in-campaign_reports.progress": Delivery.ANSWERED,
    "answered": Delivery.ANSWERED,
    "completed": Delivery.COMPLETED,
    "busy": Delivery.BUSY,
    "no-answer": Delivery.NO_ANSWER,
    "failed": Delivery.FAILED,
    "canceled": Delivery.CANCELED,
}


SMS_STATES = {
    "accepted": Delivery.SENT,
    "scheduled": Delivery.SENT,
    "queued": Delivery.SENT,
    "sending": Delivery.SENT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED,
    "partially_delivered": Delivery.DELIVERED,
    "undelivered": Delivery.UNDELIVERED,
    "failed": Delivery.FAILED,
    "canceled": Delivery.CANCELED,
}


def advance(delivery: Delivery, state: str) -> bool:
    """Move to `state` only if it ranks higher; True if the row changed (unordered, duplicated callbacks)."""
    if delivery.terminal or delivery.rank(state) <= delivery.rank(delivery.state):
        return False
    delivery.state = state
    if state in Delivery.TERMINAL:
        delivery.finished_at = utcnow()
        delivery.claim_token = None
    return True


def record_call_status(delivery_id: int, params: dict) -> None:
    """A call status callback: forward-only state, answer and duration, a retry when due."""
    delivery = db.session.get(Delivery, delivery_id)
    status = params.get("CallStatus", "")
    if delivery is None or delivery.channel != Delivery.VOICE or status not in CALL_STATES:
        return
    _note_provider(delivery, params.get("CallSid"), params.get("ErrorCode"))
    state = CALL_STATES[status]
    if state == Delivery.COMPLETED and machine_hung_up(delivery, params.get("AnsweredBy", "")):
        state = Delivery.NO_ANSWER
    if state in (Delivery.ANSWERED, Delivery.COMPLETED) and delivery.answered_at is None:
        delivery.answered_at = utcnow()
    if twilio.row_id(params.get("CallDuration")):
        delivery.duration_seconds = int(params["CallDuration"])
    if advance(delivery, state) and state in Delivery.TERMINAL:
        _explain(delivery, state)
        _maybe_retry(delivery)
    db.session.commit()


def machine_hung_up(delivery: Delivery, answered_by: str) -> bool:
    answered_by = answered_by or delivery.answered_by
    machine = answered_by.startswith("machine") or answered_by == "fax"
    return machine and delivery.campaign.machine_action == Campaign.MACHINE_HANGUP


def _note_provider(delivery: Delivery, sid: str | None, error_code: str | None) -> None:
    if twilio.is_sid(sid) and not delivery.provider_sid:
        delivery.provider_sid = sid
        delivery.sent_at = delivery.sent_at or utcnow()
    if twilio.row_id(error_code):  # Twilio's codes are five digits; a huge one is not Twilio's
        delivery.error_code = int(error_code)


def _explain(delivery: Delivery, state: str) -> None:
    if delivery.error_code:
        delivery.reason = f"twilio_{delivery.error_code}"
    elif state in (Delivery.NO_ANSWER, Delivery.BUSY):
        delivery.reason = "machine" if delivery.answered_by.startswith("machine") else state
    elif state in (Delivery.FAILED, Delivery.UNDELIVERED):
        delivery.reason = state
    delivery.reason_detail = sending.REASONS.get(delivery.reason, delivery.reason.replace("_", " "))


def _maybe_retry(delivery: Delivery) -> None:
    """Another attempt after a no-answer, busy or failed call, at the next in-window time."""
    campaign, run = delivery.campaign, delivery.run
    if delivery.state not in Delivery.RETRYABLE or delivery.attempt >= campaign.max_attempts or run.is_test:
        return
    if campaign.status == Campaign.CANCELLED or run.status == CampaignRun.CANCELLED:
        return  # a late result on a finished run still earns its retry: that run reopens
    due = schedule.now() + timedelta(minutes=campaign.retry_minutes)
    values = {
        "run_id": run.id,
        "campaign_id": campaign.id,
        "contact_id": delivery.contact_id,
        "channel": delivery.channel,
        "not_before": schedule.campaign_window(campaign).next_opening(due),
        **campaign_runs.outbox_row_defaults(),
        "attempt": delivery.attempt + 1,
    }
    try:
        with db.session.begin_nested():
            db.session.execute(Delivery.__table__.insert(), [values])
    except IntegrityError:
        return  # a duplicated callback already made this attempt
    _reopen(run)


def _reopen(run: CampaignRun) -> None:
    if run.status != CampaignRun.DONE:
        campaign_runs.ensure_ticking(run.id)
        return
    run.status = CampaignRun.RUNNING
    run.finished_at = None
    if run.campaign.status in (Campaign.SCHEDULED, Campaign.DONE):
        run.campaign.status = Campaign.RUNNING
    # after commit: a campaign_runs.tick that ran first would still see the run done and stop
    queue.enqueue_after_commit("campaigns", jobs.tick_run, run.id, job_id=campaign_runs.tick_job_id(run.id))


def record_sms_status(delivery_id: int | None, params: dict) -> None:
    """An SMS status callback: forward-only state; 21610 opts the contact out."""
    delivery = db.session.get(Delivery, delivery_id) if delivery_id else None
    if delivery is None and twilio.is_sid(params.get("MessageSid")):
        delivery = db.session.scalar(select(Delivery).filter_by(provider_sid=params["MessageSid"]))
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if delivery is None or delivery.channel != Delivery.SMS or status not in SMS_STATES:
        return
    _note_provider(delivery, params.get("MessageSid"), params.get("ErrorCode"))
    if advance(delivery, SMS_STATES[status]) and delivery.terminal:
        _explain(delivery, delivery.state)
    if delivery.error_code == UNSUBSCRIBED_CODE:
        sending.carrier_opt_out(delivery.contact)
    db.session.commit()
