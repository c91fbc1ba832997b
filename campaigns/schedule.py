"""Time for campaigns: the clock, calling windows in TIMEZONE, and weekly recurrences."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext

from core.db import utcnow

# Calls and SMS are never placed outside these local hours, whatever a campaign says (TRAI's 21:00-09:00).
HARD_EARLIEST, HARD_LATEST = time(9, 0), time(21, 0)
DEFAULT_WINDOW = ("10:00", "18:00")


def now() -> datetime:
    """The campaign clock: aware UTC now, shifted by CLOCK_OFFSET_SECONDS in testing only."""
    config = current_app.config
    offset = float(config.get("CLOCK_OFFSET_SECONDS") or 0) if config["TESTING"] else 0.0
    return utcnow() + timedelta(seconds=offset)


def real_time(moment: datetime) -> datetime:
    """The wall-clock instant at which the campaign clock shows `moment` (for RQ's scheduler)."""
    return moment - (now() - utcnow())


def zone() -> ZoneInfo:
    """The configured TIMEZONE."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def parse_hhmm(value: str) -> time:
    """'10:00' -> time(10, 0); ValueError with a readable message otherwise."""
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(gettext("%(value)s is not a time of day like 10:00", value=value)) from None


@dataclass(frozen=True)
class Window:
    """Daily local calling hours [start, end)."""

    start: time
    end: time

    @classmethod
    def parse(cls, start: str, end: str) -> "Window":
        """A window from 'HH:MM' strings, refused unless inside the hard 09:00-21:00 limit."""
        window = cls(parse_hhmm(start), parse_hhmm(end))
        if window.start >= window.end:
            raise ValueError(gettext("the calling window must end after it starts"))
        if window.start < HARD_EARLIEST or window.end > HARD_LATEST:
            raise ValueError(gettext("calls and SMS may only go out between 09:00 and 21:00"))
        return window

    def contains(self, moment: datetime) -> bool:
        """True if the moment falls inside the window on its local day."""
        local = moment.astimezone(zone()).time()
        return self.start <= local < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """The moment itself if inside the window, else the next time the window opens (aware UTC)."""
        if self.contains(moment):
            return moment
        local = moment.astimezone(zone())
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=zone()).astimezone(moment.tzinfo)

    def closes_at(self, moment: datetime) -> datetime:
        """When the window containing the moment closes."""
        local = moment.astimezone(zone())
        return datetime.combine(local.date(), self.end, tzinfo=zone()).astimezone(moment.tzinfo)


def campaign_window(campaign) -> Window:
    """The campaign's window, falling back to the default if its stored one is no longer allowed."""
    try:
        return Window.parse(campaign.window_start, campaign.window_end)
    except ValueError:
        return Window.parse(*DEFAULT_WINDOW)


def next_weekly(after: datetime, weekday: int, at: time) -> datetime:
    """The first local `weekday` (0 = Monday) at `at` strictly after `after`."""
    local = after.astimezone(zone())
    days = (weekday - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days), at, tzinfo=zone())
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(after.tzinfo)
