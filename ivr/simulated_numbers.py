"""The phone simulator's own numbers: each staff member has a few, in a range no real phone can have.

The simulator calls only from these, so what a caller can do to their own record from the phone
(stop calls, restart them, delete everything) a staff member can do only to their own test phones,
never to a real contact. The number itself names its owner, so every change made through it can
name the staff member without trusting anything the call sends.
"""

import re

# E.164 country code 999 is spare (reserved by the ITU): no network delivers a call from it and the
# phone-number library refuses it, so no imported or self-registered contact can have one of these.
PREFIX = "+999"
SLOTS = 5
_NUMBER = re.compile(r"^\+999(\d{7})([1-9])$")


def numbers_of(staff_id: int) -> list[str]:
    """The staff member's test phone numbers, first one first."""
    return [f"{PREFIX}{staff_id:07d}{slot}" for slot in range(1, SLOTS + 1)]


def owner_of(phone: str | None) -> int | None:
    """The id of the staff member whose test phone this is, or None for any other number."""
    match = _NUMBER.match(phone or "")
    if match is None or int(match.group(2)) > SLOTS:
        return None
    return int(match.group(1))
