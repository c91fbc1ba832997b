"""Lenient readers of form and query values: a value that is not what was asked for reads as missing."""

from datetime import date


def whole_number(value) -> int | None:
    """'12' as 12; blank, negative or not a number as None."""
    return int(value) if value and str(value).isdigit() else None


def iso_date(value) -> date | None:
    """'2026-11-23' as a date; blank or not a date as None."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
