"""Times on staff pages: in the programme's time zone (TIMEZONE), in the reader's language.

Stored times are UTC. Pages show them with the `local_time` filter; the layout names the zone
once at the foot of every page, so no table says "UTC" beside a date in India time.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name
from flask import Flask, current_app
from flask_babel import get_locale

# Babel patterns by length: a table cell, a sentence, a date alone.
PATTERNS = {
    "short": "d MMM, HH:mm",
    "long": "d MMM y, HH:mm",
    "seconds": "d MMM y, HH:mm:ss",
    "day": "d MMM y",
}


def init_app(app: Flask) -> None:
    """Give templates the filter and the zone's name for the layout's footer."""
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["time_zone_name"] = time_zone_name


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_time(moment: datetime | None, length: str = "long") -> str:
    """`moment` (UTC; naive means UTC, as SQLite returns it) in the configured zone, or '' for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, PATTERNS[length], tzinfo=zone(), locale=str(get_locale() or "en"))


def time_zone_name() -> str:
    """The zone in words the reader knows ('India Time', 'भारत समय', 'Coordinated Universal Time')."""
    locale = str(get_locale() or "en")
    name = get_timezone_name(zone(), width="long", locale=locale)
    if "(" in name:  # a zone of no region (UTC) reads "Unknown Region (UTC) Time": its standard name
        name = get_timezone_name(zone(), width="long", zone_variant="standard", locale=locale)
    return name
