"""Campaign operations: edit, schedule, run, send, record callbacks, report."""

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import requests
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from audio import services as audio
from audio.models import Lesson
from campaigns import audience, dispatch, jobs, schedule, sms
from campaigns.models import Campaign, CampaignRun, Delivery
from core import csv_export, people, queue, twilio
from core.db import db, utcnow
from core.logs import mask_phone
from core.models import Contact, District, Language, StaffUser, SuppressionEvent
from core.twilio import UNSUBSCRIBED_CODE, TwilioError

log = logging.getLogger(__name__)

DIGEST_STORIES = 3
STALE_ENQUEUE_MINUTES = 10  # a queued job not run by then was lost (e.g. Redis restarted): enqueue again
RESULT_WAIT_HOURS = 2  # a call with no final status after this long will not get a retry
REASONS = {
    "opted_out": "the contact opted out before sending",
    "campaign_cancelled": "the campaign was cancelled",
    "no_answer": "did not answer",
    "busy": "line busy",
    "machine": "an answering machine picked up",
    "no_content": "the lesson or story is no longer published",
    "twilio_21211": "not a valid phone number",
    "twilio_21214": "the number cannot be reached",
    "twilio_21610": "the person unsubscribed (replied STOP)",
    "twilio_21612": "Twilio cannot reach this number from our sender",
    "twilio_21614": "not a mobile number",
    "twilio_30003": "the phone was switched off or out of coverage",
    "twilio_30005": "unknown or inactive number",
    "twilio_30006": "a landline or a carrier that cannot take SMS",
    "twilio_30007": "the carrier filtered the message",
    "twilio_30008": "unknown delivery error at the carrier",
}
CALL_STATES = {
    "queued": Delivery.SENT,
    "initiated": Delivery.SENT,
    "ringing": Delivery.RINGING,
    "in-progress": Delivery.ANSWERED,
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


class CampaignError(ValueError):
    """A campaign cannot be saved or scheduled as asked; the message says why."""


# --- editing ---


def visible_campaigns(user: StaffUser) -> list[Campaign]:
    """Campaigns this staff member may see: officers only those of their districts."""
    query = select(Campaign).order_by(Campaign.created_at.desc())
    allowed = user.district_ids()
    if allowed is not None:
        query = query.where(Campaign.districts.any(District.id.in_(allowed or {-1})))
    return list(db.session.scalars(query))


def may_see(user: StaffUser, campaign: Campaign) -> bool:
    """True if the campaign belongs to (one of) the staff member's districts, or they see all."""
    allowed = user.district_ids()
    return allowed is None or bool({d.id for d in campaign.districts} & allowed)


def save_campaign(campaign: Campaign | None, form: dict, user: StaffUser) -> Campaign:
    """Create or update a campaign from submitted values; CampaignError (nothing saved) if invalid."""
    if campaign is not None and not campaign.editable:
        raise CampaignError("a running, finished or cancelled campaign cannot be edited")
    campaign = campaign or Campaign(created_by=user, status=Campaign.DRAFT)
    _apply_fields(campaign, form)
    campaign.districts = _districts_for(user, form.get("district_ids", []))
    campaign.audience = json.dumps(audience.clean_filters(form.get("audience", {})))
    check_ready(campaign)  # refused at save, where the officer is still at the form, not later at Schedule
    db.session.add(campaign)
    db.session.commit()
    return campaign


def _apply_fields(campaign: Campaign, form: dict) -> None:
    name = (form.get("name") or "").strip()
    if not name:
        raise CampaignError("give the campaign a name")
    kind, content = form.get("kind", Campaign.VOICE), form.get("content", Campaign.LESSON)
    if kind not in Campaign.KINDS or content not in Campaign.CONTENTS:
        raise CampaignError("choose what kind of campaign this is and what it plays")
    window = _window(form)
    campaign.name, campaign.kind, campaign.content = name[:120], kind, content
    campaign.lesson_id = int(form["lesson_id"]) if str(form.get("lesson_id") or "").isdigit() else None
    campaign.sms_templates = json.dumps(_templates(form.get("sms_templates", {})), ensure_ascii=False)
    campaign.window_start, campaign.window_end = window
    campaign.max_attempts = _bounded_int(form.get("max_attempts"), 1, 5, 3, "attempts")
    campaign.retry_minutes = _bounded_int(
        form.get("retry_minutes"), 10, 24 * 60, 60, "minutes between attempts"
    )
    machine = form.get("machine_action", Campaign.MACHINE_OFF)
    campaign.machine_action = machine if machine in Campaign.MACHINE_ACTIONS else Campaign.MACHINE_OFF


def _window(form: dict) -> tuple[str, str]:
    start, end = form.get("window_start") or "10:00", form.get("window_end") or "18:00"
    try:
        window = schedule.Window.parse(start, end)
    except ValueError as error:
        raise CampaignError(f"calling window: {error}") from None
    return window.start.strftime("%H:%M"), window.end.strftime("%H:%M")


def _templates(templates: dict) -> dict[str, str]:
    cleaned = {code: text.strip() for code, text in templates.items() if text and text.strip()}
    for code, text in cleaned.items():
        unknown = sms.unknown_placeholders(text)
        if unknown:
            raise CampaignError(f"SMS ({code}): unknown placeholder {{{unknown[0]}}}")
    return cleaned


def _bounded_int(value, low: int, high: int, default: int, what: str) -> int:
    if value in (None, ""):
        return default
    if not str(value).isdigit() or not low <= int(value) <= high:
        raise CampaignError(f"{what} must be a whole number from {low} to {high}")
    return int(value)


def _districts_for(user: StaffUser, district_ids) -> list[District]:
    wanted = {int(d) for d in district_ids if str(d).isdigit()}
    allowed = user.district_ids()
    if allowed is not None:
        wanted = (wanted & allowed) or allowed
    return list(db.session.scalars(select(District).where(District.id.in_(wanted)))) if wanted else []


# --- scheduling ---


def check_ready(campaign: Campaign) -> None:
    """Refuse to schedule a campaign that could not send anything."""
    if campaign.sends_voice and campaign.content in (Campaign.LESSON, Campaign.STORY):
        lesson = db.session.get(Lesson, campaign.lesson_id) if campaign.lesson_id else None
        if lesson is None or lesson.status != Lesson.PUBLISHED:
            raise CampaignError("choose a published lesson or story to play")
    if campaign.sends_sms and not campaign.templates:
        raise CampaignError("write the SMS text for at least one language")
    if campaign.kind == Campaign.SMS and campaign.content == Campaign.DIGEST:
        raise CampaignError("a weekly digest is audio: choose a voice campaign")


def schedule_campaign(campaign: Campaign, when: str, send_at=None) -> None:
    """Schedule now, at a time, or weekly from send_at (aware); the start job goes to RQ's scheduler."""
    if campaign.status not in (Campaign.DRAFT, Campaign.SCHEDULED, Campaign.DONE):
        raise CampaignError(f"a {campaign.status} campaign cannot be scheduled again")
    if when not in Campaign.SCHEDULES:
        raise CampaignError("choose when to send")
    if when != Campaign.NOW and (send_at is None or send_at.tzinfo is None):
        raise CampaignError("give a date and time to send at")
    check_ready(campaign)
    moment = schedule.now() if when == Campaign.NOW else send_at
    if when == Campaign.AT and moment < schedule.now() - timedelta(minutes=1):
        raise CampaignError("that time has already passed")
    campaign.schedule, campaign.send_at, campaign.next_run_at = when, send_at, moment
    campaign.status = Campaign.SCHEDULED
    db.session.commit()
    enqueue_start(campaign)


def enqueue_start(campaign: Campaign) -> None:
    """Put start_campaign on RQ's scheduler for the campaign's next run (at once if due)."""
    job_id = f"campaign-{campaign.id}-{int(campaign.next_run_at.timestamp())}"
    campaigns = queue.get_queue("campaigns")
    try:
        if campaign.next_run_at <= schedule.now():
            campaigns.enqueue(jobs.start_campaign, campaign.id, job_id=job_id)
        else:
            at = schedule.real_time(campaign.next_run_at)
            campaigns.enqueue_at(at, jobs.start_campaign, campaign.id, job_id=job_id)
    except RedisError as error:
        log.warning("campaign %s: could not schedule its start: %s", campaign.id, error)


def start_run(campaign_id: int) -> CampaignRun | None:
    """Open the due run: one outbox row per contact and channel; the next weekly run is scheduled."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != Campaign.SCHEDULED or campaign.next_run_at is None:
        return None
    if campaign.next_run_at > schedule.now() + timedelta(minutes=1):
        return None  # a stale job from before a reschedule
    run = _create_run(campaign)
    if run is None:
        return None
    _plan_next(campaign)
    db.session.commit()
    ensure_ticking(run.id, force=True)
    return run


def _create_run(campaign: Campaign) -> CampaignRun | None:
    run = CampaignRun(campaign=campaign, scheduled_for=campaign.next_run_at, status=CampaignRun.RUNNING)
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # this occurrence was started already (the job ran twice)
        return None
    contacts = audience.campaign_contacts(campaign)
    channels = [
        c for c, on in ((Delivery.VOICE, campaign.sends_voice), (Delivery.SMS, campaign.sends_sms)) if on
    ]
    opening = schedule.campaign_window(campaign).next_opening(schedule.now())
    rows = [
        {
            "run_id": run.id,
            "campaign_id": campaign.id,
            "contact_id": c.id,
            "channel": ch,
            "not_before": opening,
        }
        for c in contacts
        for ch in channels
    ]
    if rows:
        db.session.execute(Delivery.__table__.insert(), [{**r, **_row_defaults()} for r in rows])
    run.audience_size = len(contacts)
    campaign.status = Campaign.RUNNING
    return run


def _row_defaults() -> dict:
    stamp = utcnow()
    return {
        "attempt": 1,
        "state": Delivery.QUEUED,
        "reason": "",
        "reason_detail": "",
        "answered_by": "",
        "feedback": "",
        "created_at": stamp,
        "updated_at": stamp,
    }


def _plan_next(campaign: Campaign) -> None:
    if campaign.schedule != Campaign.WEEKLY:
        campaign.next_run_at = None
        return
    first = campaign.send_at.astimezone(schedule.zone())
    campaign.next_run_at = schedule.next_weekly(campaign.next_run_at, first.weekday(), first.time())
    db.session.commit()
    enqueue_start(campaign)


# --- the tick: feeds due rows to the queue at the rate they can go, and finishes runs ---


def tick_seconds() -> float:
    """How often a running campaign is looked after."""
    return max(0.5, float(current_app.config["CAMPAIGN_TICK_SECONDS"]))


def ensure_ticking(run_id: int, force: bool = False) -> None:
    """Start the run's tick chain unless a recent tick is known (a lost chain restarts itself here)."""
    key = f"chaupal:campaigns:tick:{run_id}"
    try:
        redis = queue.redis_connection()
        if force or redis.set(key, "1", nx=True, ex=math.ceil(tick_seconds() * 3)):
            queue.get_queue("campaigns").enqueue(jobs.tick_run, run_id, job_id=tick_job_id(run_id))
    except RedisError as error:
        log.warning("run %s: could not start its tick: %s", run_id, error)


def schedule_next_tick(run_id: int) -> None:
    """Put the run's next tick on RQ's scheduler."""
    delay = tick_seconds()
    queue.get_queue("campaigns").enqueue_in(
        timedelta(seconds=delay), jobs.tick_run, run_id, job_id=tick_job_id(run_id, delay)
    )


def tick_job_id(run_id: int, delay: float = 0) -> str:
    """One job id per run and tick slot, so two tick chains that meet merge into one."""
    slot = math.floor((utcnow().timestamp() + delay) / tick_seconds())
    return f"tick-{run_id}-{slot}"


def tick(run_id: int) -> bool:
    """Enqueue due sends, recover stuck ones, finish the run when nothing is left; True to tick again."""
    run = db.session.get(CampaignRun, run_id)
    if run is None or run.status != CampaignRun.RUNNING:
        return False
    queue.redis_connection().set(f"chaupal:campaigns:tick:{run_id}", "1", ex=math.ceil(tick_seconds() * 3))
    _recover_stuck(run)
    if run.campaign.status == Campaign.RUNNING and dispatch.window_open(run):
        _feed(run)
    if _finished(run):
        _finish(run)
        return False
    return True


def _recover_stuck(run: CampaignRun) -> None:
    """Rows left 'sending' by a killed worker or a timeout: reconcile them, in or out of the window."""
    stale = utcnow() - timedelta(seconds=dispatch.CLAIM_SECONDS)
    stuck = select(Delivery.id).where(Delivery.run_id == run.id, Delivery.state == Delivery.SENDING)
    stuck = stuck.where((Delivery.claim_token.is_(None)) | (Delivery.claimed_at < stale))
    stuck = stuck.where((Delivery.enqueued_at.is_(None)) | (Delivery.enqueued_at < stale))
    _enqueue(list(db.session.scalars(stuck)))


def _feed(run: CampaignRun) -> None:
    """Enqueue the due rows, only as many as can go before the next tick, so pause and cancel bite fast."""
    lost = utcnow() - timedelta(minutes=STALE_ENQUEUE_MINUTES)
    due = (
        select(Delivery.id)
        .where(Delivery.run_id == run.id, Delivery.state == Delivery.QUEUED)
        .where(Delivery.not_before <= schedule.now())
        .where((Delivery.enqueued_at.is_(None)) | (Delivery.enqueued_at < lost))
        .order_by(Delivery.attempt, Delivery.id)
        .limit(_batch_size())
    )
    _enqueue(list(db.session.scalars(due)))


def _batch_size() -> int:
    per_second = max(dispatch.rate_limit(Delivery.VOICE), dispatch.rate_limit(Delivery.SMS))
    return math.ceil(per_second * (tick_seconds() + 2) * 2)


def _enqueue(ids: list[int]) -> None:
    if not ids:
        return
    db.session.execute(Delivery.__table__.update().where(Delivery.id.in_(ids)).values(enqueued_at=utcnow()))
    for delivery_id in ids:
        queue.enqueue_after_commit("campaigns", jobs.send_delivery, delivery_id)
    db.session.commit()


def _finished(run: CampaignRun) -> bool:
    """Nothing left to send, and no call still out that could need another attempt."""
    open_rows = select(func.count()).where(
        Delivery.run_id == run.id, Delivery.state.in_((Delivery.QUEUED, Delivery.SENDING))
    )
    if db.session.scalar(open_rows):
        return False
    cutoff = utcnow() - timedelta(hours=RESULT_WAIT_HOURS)
    awaiting = select(func.count()).where(
        Delivery.run_id == run.id,
        Delivery.state.in_(Delivery.IN_FLIGHT),
        Delivery.channel == Delivery.VOICE,
        Delivery.attempt < run.campaign.max_attempts,
        Delivery.sent_at > cutoff,
    )
    return not db.session.scalar(awaiting)


def _finish(run: CampaignRun) -> None:
    run.status, run.finished_at = CampaignRun.DONE, utcnow()
    campaign = run.campaign
    if campaign.status == Campaign.RUNNING and not run.is_test:
        campaign.status = Campaign.SCHEDULED if campaign.next_run_at else Campaign.DONE
    db.session.commit()


# --- sending one delivery ---


def send(delivery_id: int) -> None:
    """Send one outbox row at most once: claim, reconcile if interrupted, check, rate-limit, send."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.state not in (Delivery.QUEUED, Delivery.SENDING):
        return
    interrupted, claimed_before = delivery.state == Delivery.SENDING, delivery.claimed_at
    token = dispatch.claim(delivery)
    if token is None:
        return
    if interrupted and _reconciled(delivery, claimed_before):
        return
    if not _may_send(delivery):
        return
    body = sms_body(delivery) if delivery.channel == Delivery.SMS else ""
    cost = sms.measure(body).segments if body else 1
    # Database work comes first: between booking the rate slot and the REST call nothing may wait.
    if not dispatch.still_ours(delivery, token):
        return
    dispatch.load_for_sending(delivery)
    if not dispatch.acquire(delivery.channel, cost):
        dispatch.requeue(delivery)
        return
    if not dispatch.in_window(delivery):  # the wait for the rate limit crossed the window's end
        dispatch.requeue(delivery, _next_opening(delivery))
        return
    delivery.segments = cost if body else None
    try:
        dispatch.send_claimed(delivery, body)
    except TwilioError as error:
        if not error.permanent:
            raise
        mark_failed(delivery, error.code, str(error))


def _reconciled(delivery: Delivery, claimed_before) -> bool:
    try:
        return dispatch.reconcile(delivery, claimed_before)
    except (TwilioError, requests.RequestException):
        dispatch.release_unknown(delivery)
        raise


def _may_send(delivery: Delivery) -> bool:
    """Checks made at send time, not only when the audience was built; False if not sending now."""
    campaign, contact = delivery.campaign, delivery.contact
    if contact.opted_out_at is not None:
        return _close(delivery, Delivery.SKIPPED, "opted_out")
    if campaign.status == Campaign.CANCELLED or delivery.run.status == CampaignRun.CANCELLED:
        return _close(delivery, Delivery.CANCELED, "campaign_cancelled")
    if not delivery.run.is_test and campaign.status == Campaign.PAUSED:
        dispatch.requeue(delivery)
        return False
    early = not delivery.run.is_test and delivery.not_before > schedule.now()
    if early or not dispatch.in_window(delivery):
        dispatch.requeue(delivery, max(delivery.not_before, _next_opening(delivery)))
        return False
    return True


def _next_opening(delivery: Delivery):
    return schedule.campaign_window(delivery.campaign).next_opening(schedule.now())


def _close(delivery: Delivery, state: str, reason: str) -> bool:
    delivery.state, delivery.reason, delivery.reason_detail = state, reason, REASONS.get(reason, "")
    delivery.claim_token, delivery.finished_at = None, utcnow()
    db.session.commit()
    return False


def mark_failed(delivery: Delivery, code: int | None, detail: str) -> None:
    """A send Twilio refused for good: failed with a readable reason; 21610 opts the contact out."""
    reason = f"twilio_{code}" if code else "refused"
    delivery.state, delivery.error_code, delivery.reason = Delivery.FAILED, code, reason
    delivery.reason_detail = REASONS.get(reason, detail)[:500]
    delivery.claim_token, delivery.finished_at = None, utcnow()
    if code == UNSUBSCRIBED_CODE:
        carrier_opt_out(delivery.contact)
    db.session.commit()
    log.info("delivery %s to %s failed: %s", delivery.id, mask_phone(delivery.contact.phone), reason)


def carrier_opt_out(contact: Contact) -> None:
    """The carrier says the person unsubscribed (Twilio 21610): the one suppression list, with its history row."""
    people.opt_out(contact, SuppressionEvent.CARRIER)


def sms_body(delivery: Delivery) -> str:
    """The campaign's SMS in the contact's language (or the default one), placeholders filled."""
    templates, contact = delivery.campaign.templates, delivery.contact
    default = current_app.config["DEFAULT_LANGUAGE"]
    template = templates.get(contact.language_code or default) or templates.get(default)
    template = template or next(iter(templates.values()), "")
    return sms.render(template, placeholder_values(delivery.campaign, contact))


def placeholder_values(campaign: Campaign, contact: Contact | None) -> dict[str, str]:
    """Values for the SMS placeholders."""
    config = current_app.config
    return {
        "name": (contact.name if contact else "") or "",
        "district": contact.district.name_in(contact.language_code) if contact and contact.district else "",
        "title": _title(campaign, contact.language_code if contact else None),
        "line": config["CHAUPAL_LINE_NUMBER"] or config["TWILIO_CALLER_ID"],
    }


def _title(campaign: Campaign, language_code: str | None) -> str:
    lesson = db.session.get(Lesson, campaign.lesson_id) if campaign.lesson_id else None
    if lesson is None or not lesson.tracks:
        return ""
    track = next((t for t in lesson.tracks if t.language_code == language_code), lesson.tracks[0])
    return track.title


# --- callbacks from Twilio ---


def advance(delivery: Delivery, state: str) -> bool:
    """Move to `state` only if it ranks higher; True if the row changed (unordered, duplicated callbacks)."""
    if delivery.terminal or delivery.rank(state) <= delivery.rank(delivery.state):
        return False
    delivery.state = state
    if state in Delivery.TERMINAL:
        delivery.finished_at, delivery.claim_token = utcnow(), None
    return True


def record_call_status(delivery_id: int, params: dict) -> None:
    """A call status callback: forward-only state, answer and duration, a retry when due."""
    delivery = db.session.get(Delivery, delivery_id)
    status = params.get("CallStatus", "")
    if delivery is None or delivery.channel != Delivery.VOICE or status not in CALL_STATES:
        return
    _note_provider(delivery, params.get("CallSid"), params.get("ErrorCode"))
    state = CALL_STATES[status]
    if state == Delivery.COMPLETED and _machine_hung_up(delivery, params.get("AnsweredBy", "")):
        state = Delivery.NO_ANSWER
    if state in (Delivery.ANSWERED, Delivery.COMPLETED) and delivery.answered_at is None:
        delivery.answered_at = utcnow()
    if twilio.row_id(params.get("CallDuration")):
        delivery.duration_seconds = int(params["CallDuration"])
    if advance(delivery, state) and state in Delivery.TERMINAL:
        _explain(delivery, state)
        _maybe_retry(delivery)
    db.session.commit()


def _machine_hung_up(delivery: Delivery, answered_by: str) -> bool:
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
    delivery.reason_detail = REASONS.get(delivery.reason, delivery.reason.replace("_", " "))


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
        **_row_defaults(),
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
        ensure_ticking(run.id)
        return
    run.status, run.finished_at = CampaignRun.RUNNING, None
    if run.campaign.status in (Campaign.SCHEDULED, Campaign.DONE):
        run.campaign.status = Campaign.RUNNING
    # after commit: a tick that ran first would still see the run done and stop
    queue.enqueue_after_commit("campaigns", jobs.tick_run, run.id, job_id=tick_job_id(run.id))


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
        carrier_opt_out(delivery.contact)
    db.session.commit()


# --- what the broadcast call plays ---


@dataclass
class BroadcastScript:
    say_language: str
    say_voice: str
    texts: dict  # the call's words by name (intro, feedback...), filled in by the phone line's prompts
    urls: list[str] = field(default_factory=list)
    hang_up: bool = False
    language_code: str = "en"


def broadcast_script(delivery_id: int, answered_by: str = "") -> BroadcastScript | None:
    """What to play on an answered broadcast call, in the contact's language; None if unknown."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != Delivery.VOICE:
        return None
    delivery.answered_by = answered_by[:20] or delivery.answered_by
    delivery.answered_at = delivery.answered_at or utcnow()
    advance(delivery, Delivery.ANSWERED)
    language = _language(delivery.contact.language_code)
    urls = content_urls(delivery.campaign, language.code)
    if not urls and delivery.campaign.content != Campaign.NO_AUDIO:
        delivery.reason, delivery.reason_detail = "no_content", REASONS["no_content"]
    db.session.commit()
    script = BroadcastScript(language.say_language, language.say_voice, {}, urls, language_code=language.code)
    script.hang_up = _machine_hung_up(delivery, answered_by)
    return script


def _language(code: str | None) -> Language:
    language = db.session.get(Language, code) if code else None
    return language or db.session.get(Language, current_app.config["DEFAULT_LANGUAGE"])


def content_urls(campaign: Campaign, language_code: str) -> list[str]:
    """Signed audio URLs the campaign plays in a language (the default language if it has no track)."""
    urls = _content_urls(campaign, language_code)
    default = current_app.config["DEFAULT_LANGUAGE"]
    return urls or (_content_urls(campaign, default) if language_code != default else [])


def _content_urls(campaign: Campaign, language_code: str) -> list[str]:
    if campaign.content in (Campaign.LESSON, Campaign.STORY) and campaign.lesson_id:
        return _lesson_urls(campaign.lesson_id, language_code)
    if campaign.content == Campaign.DIGEST:
        return [
            url for lesson in digest_stories(language_code) for url in _lesson_urls(lesson.id, language_code)
        ]
    return []


def _lesson_urls(lesson_id: int, language_code: str) -> list[str]:
    # a typed lesson plays its offline rendering; words never rendered (no espeak-ng) cannot be played
    return [item.url for item in audio.lesson_playlist(lesson_id, language_code) if item.url]


def digest_stories(language_code: str) -> list[Lesson]:
    """The week's top published stories in a language: the newest of the last 7 days, best placed first."""
    since = schedule.now() - timedelta(days=7)
    stories = audio.published_lessons(language_code, kind=Lesson.STORY)
    recent = [
        lesson for lesson, _track in stories if lesson.published_at and _aware(lesson.published_at) >= since
    ]
    return recent[:DIGEST_STORIES]


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=schedule.now().tzinfo)


def mark_listened(delivery_id: int) -> None:
    """The broadcast played to its end (Twilio fetched the URL after the last <Play>)."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is not None and delivery.listened_at is None:
        delivery.listened_at = utcnow()
        db.session.commit()


def record_feedback(delivery_id: int, digit: str) -> bool:
    """Key 1 = useful, 2 = not useful; True if the key was one of those."""
    delivery = db.session.get(Delivery, delivery_id)
    feedback = {"1": Delivery.USEFUL, "2": Delivery.NOT_USEFUL}.get(digit)
    if delivery is None or feedback is None:
        return False
    delivery.feedback = feedback
    db.session.commit()
    return True


# --- officer controls ---


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
        ensure_ticking(run.id)
    if not running and campaign.next_run_at:
        enqueue_start(campaign)


def cancel(campaign: Campaign) -> None:
    """Stop for good: unsent rows are cancelled, no further runs."""
    campaign.status, campaign.next_run_at = Campaign.CANCELLED, None
    for run in campaign.runs:
        if run.status == CampaignRun.RUNNING:
            run.status, run.finished_at = CampaignRun.CANCELLED, utcnow()
    db.session.execute(
        Delivery.__table__.update()
        .where(Delivery.campaign_id == campaign.id, Delivery.state == Delivery.QUEUED)
        .values(
            state=Delivery.CANCELED, reason="campaign_cancelled", reason_detail=REASONS["campaign_cancelled"]
        )
    )
    db.session.commit()


def test_send(campaign: Campaign, user: StaffUser) -> Delivery:
    """Send the campaign to the staff member's own phone now (any hour, no audience)."""
    if not user.phone:
        raise CampaignError("add your phone number to your account to test-send")
    check_ready(campaign)
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


# --- reports ---


def sms_preview(text: str) -> dict:
    """Characters, encoding, segments and estimated cost per recipient of an SMS text."""
    size = sms.measure(text)
    price = Decimal(str(current_app.config["SMS_PRICE_PER_SEGMENT"]))
    return {
        "characters": size.characters,
        "encoding": size.encoding,
        "segments": size.segments,
        "cost": f"{size.cost(price):.4f}",
        "currency": current_app.config["SMS_PRICE_CURRENCY"],
    }


def _latest_attempts(campaign_id: int):
    latest = (
        select(
            Delivery.run_id,
            Delivery.contact_id,
            Delivery.channel,
            func.max(Delivery.attempt).label("attempt"),
        )
        .join(CampaignRun, CampaignRun.id == Delivery.run_id)
        .where(Delivery.campaign_id == campaign_id, CampaignRun.is_test.is_(False))
        .group_by(Delivery.run_id, Delivery.contact_id, Delivery.channel)
        .subquery()
    )
    return select(Delivery).join(
        latest,
        and_(
            Delivery.run_id == latest.c.run_id,
            Delivery.contact_id == latest.c.contact_id,
            Delivery.channel == latest.c.channel,
            Delivery.attempt == latest.c.attempt,
        ),
    )


def progress(campaign: Campaign) -> dict:
    """Live counts over each recipient's latest attempt: by state, by failure reason, listened-through."""
    rows = db.session.execute(
        _latest_attempts(campaign.id).with_only_columns(
            Delivery.channel, Delivery.state, Delivery.reason, Delivery.listened_at.is_not(None)
        )
    ).all()
    states = Counter((channel, state) for channel, state, _reason, _heard in rows)
    reasons = Counter(
        REASONS.get(reason, reason) for _c, state, reason, _h in rows if state in _UNSUCCESSFUL and reason
    )
    attempts = db.session.scalar(select(func.count()).where(Delivery.campaign_id == campaign.id))
    return {
        "recipients": len(rows),
        "attempts": attempts,
        "states": {f"{channel}:{state}": n for (channel, state), n in sorted(states.items())},
        "queued": sum(1 for r in rows if r.state in (Delivery.QUEUED, Delivery.SENDING)),
        "sent": sum(1 for r in rows if r.state in Delivery.IN_FLIGHT),
        "reached": sum(1 for r in rows if r.state in (Delivery.COMPLETED, Delivery.DELIVERED)),
        "listened": sum(1 for r in rows if r[3]),
        "unsuccessful": sum(1 for r in rows if r.state in _UNSUCCESSFUL),
        "reasons": dict(reasons.most_common()),
    }


_UNSUCCESSFUL = (
    Delivery.NO_ANSWER,
    Delivery.BUSY,
    Delivery.FAILED,
    Delivery.UNDELIVERED,
    Delivery.CANCELED,
    Delivery.SKIPPED,
)
EXPORT_COLUMNS = (
    "run",
    "contact",
    "name",
    "district",
    "channel",
    "attempt",
    "state",
    "reason",
    "sent_at",
    "answered_at",
    "listened_through",
    "feedback",
    "duration_seconds",
)


def export_csv(campaign: Campaign) -> str:
    """Every attempt of the campaign as CSV (numbers masked), in local time."""
    query = select(Delivery).where(Delivery.campaign_id == campaign.id).order_by(Delivery.run_id, Delivery.id)
    return csv_export.csv_text(EXPORT_COLUMNS, (_export_row(d) for d in db.session.scalars(query)))


def _export_row(d: Delivery) -> list:
    local = schedule.zone()

    def when(moment):
        return moment.astimezone(local).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    district = d.contact.district.name if d.contact.district else ""
    return [
        d.run_id,
        mask_phone(d.contact.phone),
        d.contact.name,
        district,
        d.channel,
        d.attempt,
        d.state,
        d.reason_detail or d.reason,
        when(d.sent_at),
        when(d.answered_at),
        "yes" if d.listened_at else "",
        d.feedback,
        d.duration_seconds or "",
    ]


def sends_per_status() -> dict[tuple[str, str], int]:
    """How many sends there are in each channel and state (the operator's /metrics)."""
    query = select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state)
    return {(channel, state): count for channel, state, count in db.session.execute(query)}
