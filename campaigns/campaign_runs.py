"""A campaign's runs: scheduled on RQ, opened with an outbox row per person, fed by ticks at the rate sends can go, finished."""

import logging
import math
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from audio.models import Lesson
from campaigns import (
    audience,
    campaign_words,
    dispatch,
    editing,
    jobs,
    schedule,
    status_callbacks,
)
from campaigns.models import Campaign, CampaignRun, Delivery
from core import queue
from core.db import db, utcnow

log = logging.getLogger(__name__)


# A sending job works this many ticks: the next tick's job starts before it ends, so the rate has no gap.
SENDER_TICKS = 1.5


def check_ready(campaign: Campaign) -> None:
    """Refuse to schedule a campaign that could not sending.send anything."""
    if campaign.sends_voice and campaign.content in (Campaign.LESSON, Campaign.STORY):
        lesson = db.session.get(Lesson, campaign.lesson_id) if campaign.lesson_id else None
        if lesson is None or lesson.status != Lesson.PUBLISHED:
            raise editing.CampaignError(gettext("Choose a published lesson or story to play."))
    if campaign.sends_sms and not campaign.templates:
        raise editing.CampaignError(gettext("Write the SMS text for at least one language."))
    if campaign.kind == Campaign.SMS and campaign.content == Campaign.DIGEST:
        raise editing.CampaignError(gettext("A weekly digest is audio: choose a voice campaign."))


def schedule_campaign(campaign: Campaign, when: str, send_at=None) -> None:
    """Schedule now, at a time, or weekly from send_at (aware); the start job goes to RQ's scheduler."""
    if campaign.status not in (Campaign.DRAFT, Campaign.SCHEDULED, Campaign.DONE):
        raise editing.CampaignError(
            gettext(
                "A campaign that is %(status)s cannot be scheduled again.",
                status=campaign_words.status_name(campaign.status),
            )
        )
    if when not in Campaign.SCHEDULES:
        raise editing.CampaignError(gettext("Choose when to send."))
    if when != Campaign.NOW and (send_at is None or send_at.tzinfo is None):
        raise editing.CampaignError(gettext("Give a date and time to send at."))
    check_ready(campaign)
    moment = schedule.now() if when == Campaign.NOW else send_at
    if when == Campaign.AT and moment < schedule.now() - timedelta(minutes=1):
        raise editing.CampaignError(gettext("That time has already passed."))
    campaign.schedule = when
    campaign.send_at = send_at
    campaign.next_run_at = moment
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
        db.session.execute(Delivery.__table__.insert(), [{**r, **outbox_row_defaults()} for r in rows])
    run.audience_size = len(contacts)
    campaign.status = Campaign.RUNNING
    return run


def outbox_row_defaults() -> dict:
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
    """Book this tick slot's sending jobs: each sends due rows a batch at a time for about one and a
    half ticks, so the next slot's jobs overlap them (no gap in the rate) and campaign_controls.pause
    and campaign_controls.cancel bite within a batch."""
    until = time.time() + tick_seconds() * SENDER_TICKS
    slot = math.floor(time.time() / tick_seconds())
    for sender in range(dispatch.sending_jobs()):
        job_id = f"send-{run.id}-{slot}-{sender}"
        try:
            queue.get_queue("campaigns").enqueue(
                jobs.send_due, run.id, until, job_id=job_id, unique=True, result_ttl=0
            )
        except DuplicateJobError:
            continue  # two ticks met in one slot
        except RedisError as error:
            log.warning("run %s: could not book its sending job: %s", run.id, error)


def _enqueue(ids: list[int]) -> None:
    if not ids:
        return
    db.session.execute(Delivery.__table__.update().where(Delivery.id.in_(ids)).values(enqueued_at=utcnow()))
    for delivery_id in ids:
        queue.enqueue_after_commit("campaigns", jobs.send_delivery, delivery_id)
    db.session.commit()


def _finished(run: CampaignRun) -> bool:
    """Nothing left to sending.send, and no call still out that could need another attempt."""
    open_rows = select(func.count()).where(
        Delivery.run_id == run.id, Delivery.state.in_((Delivery.QUEUED, Delivery.SENDING))
    )
    if db.session.scalar(open_rows):
        return False
    cutoff = utcnow() - timedelta(hours=status_callbacks.RESULT_WAIT_HOURS)
    awaiting = select(func.count()).where(
        Delivery.run_id == run.id,
        Delivery.state.in_(Delivery.IN_FLIGHT),
        Delivery.channel == Delivery.VOICE,
        Delivery.attempt < run.campaign.max_attempts,
        Delivery.sent_at > cutoff,
    )
    return not db.session.scalar(awaiting)


def _finish(run: CampaignRun) -> None:
    run.status = CampaignRun.DONE
    run.finished_at = utcnow()
    campaign = run.campaign
    if campaign.status == Campaign.RUNNING and not run.is_test:
        campaign.status = Campaign.SCHEDULED if campaign.next_run_at else Campaign.DONE
    db.session.commit()
