"""Lenient readers of form and query values: a value that is not what was asked for reads as missing."""

import math
from datetime import date

# Database ids are 32-bit on PostgreSQL; a larger "id" names nothing and must not reach a query.
MAX_ID = 2**31 - 1
# Dates outside these years are typing mistakes here, and date arithmetic overflows near year 1 and 9999.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2099, 12, 31)
MAX_SECONDS = 24 * 3600  # no recording, track or segment lasts a day


def whole_number(value) -> int | None:
    """'12' as 12; blank, negative, not a number or beyond any id as None."""
    return int(value) if value and str(value).isdigit() and int(value) <= MAX_ID else None


def iso_date(value) -> date | None:
    """'2026-11-23' as a date; blank, not a date or outside 2000-2099 as None."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day and FIRST_DATE <= day <= LAST_DATE else None


def milliseconds(seconds) -> int | None:
    """Seconds typed by a person ('12.5') as whole milliseconds; None if blank.

    ValueError (for the form to explain) when negative, not a number, infinite or longer than a day.
    """
    if seconds is None or not str(seconds).strip():
        return None
    value = float(str(seconds).strip())
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise ValueError("not a number of seconds between 0 and a day")
    return round(value * 1000)


def time_spans(text: str | None) -> list[list[int]]:
    """'12.5-14, 30-31' as [[12500, 14000], [30000, 31000]] (ValueError for anything else)."""
    spans = []
    for part in filter(None, (p.strip() for p in (text or "").replace(";", ",").split(","))):
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(part)
        start_ms, end_ms = milliseconds(start), milliseconds(end)
        if start_ms is None or end_ms is None:  # "-14" or "12-": half a span is not a span
            raise ValueError(part)
        spans.append([start_ms, end_ms])
    return spans
