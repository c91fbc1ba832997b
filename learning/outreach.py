"""Learning calls we place: the weekly lesson of a series, refreshers for silent learners, unlearning notices.

Each is a list campaign (campaigns.outreach), so calls are paced by the dispatch's rate limit, go out
only inside the calling window and never to someone who opted out. The answered call leads into the
line's own flow, where due re-asks, the course and notices are offered first.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, union_all

from campaigns import audience, schedule
from campaigns import outreach as campaign_outreach
from campaigns.models import Delivery
from core.db import db
from core.models import Contact
from learning import clock, reasks
from learning.models import Enrolment, OutreachCall, Series

NAMES = {
    OutreachCall.LESSON: "Course lesson call",
    OutreachCall.REFRESHER: "Learning refresher call",
    OutreachCall.UNLEARNING: "Changed advice call",
}


def call(contact_ids: list[int], purpose: str, window: tuple[str, str] = ("10:00", "18:00")) -> int:
    """Place one learning call to each person through campaign dispatch; returns how many."""
    ids = sorted(set(contact_ids))
    stamp = clock.now()
    campaign = campaign_outreach.call_list(f"{NAMES[purpose]} {stamp:%Y-%m-%d %H:%M}", ids, window)
    if campaign is None:
        return 0
    db.session.add_all(
        OutreachCall(contact_id=cid, campaign_id=campaign.id, purpose=purpose, created_at=stamp)
        for cid in ids
    )
    db.session.commit()
    return len(ids)


def leads_into_line(delivery_id: int) -> bool:
    """True if this broadcast delivery is a learning call (its TwiML hands over to the line's flow)."""
    campaign_id = select(Delivery.campaign_id).where(Delivery.id == delivery_id).scalar_subquery()
    return (
        db.session.scalar(select(OutreachCall.id).where(OutreachCall.campaign_id == campaign_id).limit(1))
        is not None
    )


def silent_days() -> int:
    """Days without a call after which a learner with due re-asks gets a refresher call."""
    return int(current_app.config.get("LEARNING_REFRESHER_AFTER_DAYS") or 7)


def daily_capacity() -> int:
    """Calls the provider's rate carries in one day's default calling window (10:00-18:00)."""
    start, end = (schedule.parse_hhmm(t) for t in schedule.DEFAULT_WINDOW)
    seconds = (end.hour - start.hour) * 3600 + (end.minute - start.minute) * 60
    return int(float(current_app.config["CAMPAIGN_CALLS_PER_SECOND"]) * seconds)


def refresher_candidates(now: datetime, limit: int | None = None) -> list[int]:
    """Enrolled learners with due re-asks, silent for N days, not refreshed in N days, not opted out."""
    cutoff = now - timedelta(days=silent_days())
    activity = union_all(*(source() for source in audience.CALL_ACTIVITY_SOURCES)).subquery()
    recent_callers = select(activity.c.contact_id).where(activity.c.at >= cutoff)
    refreshed = select(OutreachCall.id).where(
        OutreachCall.purpose == OutreachCall.REFRESHER, OutreachCall.created_at >= cutoff
    )
    enrolled = select(Enrolment.id).where(
        Enrolment.contact_id == Contact.id, Enrolment.status == Enrolment.ACTIVE
    )
    # correlated EXISTS on (contact_id, ...) indexes: with the day's LIMIT the scan stops early
    query = (
        select(Contact.id)
        .where(Contact.opted_out_at.is_(None))
        .where(reasks.has_due_items(Contact.id, now))
        .where(enrolled.exists())
        .where(Contact.id.not_in(recent_callers))
        .where(~refreshed.where(OutreachCall.contact_id == Contact.id).exists())
        .order_by(Contact.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def plan_refreshers() -> int:
    """Start refresher calls, at most what one day's window carries (the rest the next day); returns how many."""
    now = clock.now()
    recent = select(func.count()).where(
        OutreachCall.purpose == OutreachCall.REFRESHER, OutreachCall.created_at > now - timedelta(days=1)
    )
    room = daily_capacity() - (db.session.scalar(recent) or 0)
    return call(refresher_candidates(now, room), OutreachCall.REFRESHER) if room > 0 else 0


def plan_weekly_lessons() -> int:
    """For each series whose week slot has come, call the learners with an unheard lesson; returns calls."""
    now, placed = clock.now(), 0
    for series in list(db.session.scalars(select(Series).where(Series.starts_at <= now))):
        week = min(len(series.course.lessons), (now - series.starts_at) // timedelta(days=7) + 1)
        if series.weeks_called >= week:
            continue
        series.weeks_called = week
        placed += call(_behind(series, week), OutreachCall.LESSON, (series.window_start, series.window_end))
    db.session.commit()
    return placed


def _behind(series: Series, week: int) -> list[int]:
    """Active learners of a series who have not yet heard the lessons unlocked by this week (one query)."""
    query = (
        select(Enrolment.contact_id)
        .join(Contact, Contact.id == Enrolment.contact_id)
        .where(Enrolment.series_id == series.id, Enrolment.status == Enrolment.ACTIVE)
        .where(Enrolment.lesson_index < week, Contact.opted_out_at.is_(None))
        .order_by(Enrolment.contact_id)
    )
    return list(db.session.scalars(query))
