"""When an expert's answer is called back: only inside calling hours, and again when busy or unanswered."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from core.db import utcnow

# Never outside these local hours, whatever the setting says (TRAI: no calls 21:00-09:00).
HARD_EARLIEST, HARD_LATEST = time(9, 0), time(21, 0)
RETRIED = ("busy", "no-answer")  # a failed or cancelled call is not tried again by itself


def now() -> datetime:
    """The help desk's clock: aware UTC now, shifted by CLOCK_OFFSET_SECONDS in testing only."""
    config = current_app.config
    offset = float(config.get("CLOCK_OFFSET_SECONDS") or 0) if config["TESTING"] else 0.0
    return utcnow() + timedelta(seconds=offset)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands them back naive)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def hours() -> tuple[time, time]:
    """ANSWER_CALL_HOURS ('10:00-20:00'), kept inside 09:00-21:00."""
    start, end = (
        time.fromisoformat(part.strip()) for part in current_app.config["ANSWER_CALL_HOURS"].split("-")
    )
    return max(start, HARD_EARLIEST), min(end, HARD_LATEST)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def in_hours(moment: datetime) -> bool:
    """True if a call may ring at this moment."""
    start, end = hours()
    return start <= _local(moment).time() < end


def next_opening(moment: datetime) -> datetime:
    """The moment itself inside calling hours, else when they next open (aware UTC)."""
    if in_hours(moment):
        return moment
    start, _ = hours()
    local = _local(moment)
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=local.tzinfo).astimezone(moment.tzinfo)


def retry_at(moment: datetime, call_status: str, attempts: int) -> datetime | None:
    """When to call again after an unanswered call, if the limit allows it within today's calling hours."""
    again = moment + timedelta(minutes=int(current_app.config["ANSWER_RETRY_MINUTES"]))
    allowed = call_status in RETRIED and attempts < int(current_app.config["ANSWER_CALL_ATTEMPTS"])
    return again if allowed and in_hours(again) and _local(again).date() == _local(moment).date() else None
