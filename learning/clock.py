"""The learning clock: the campaign clock, so one setting moves every schedule in tests."""

from datetime import datetime

from campaigns import schedule


def now() -> datetime:
    """Aware UTC now on the settable campaign clock."""
    return schedule.now()
