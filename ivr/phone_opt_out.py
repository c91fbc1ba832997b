"""Stopping and restarting calls and messages from the phone menu, on the one suppression list."""

import logging

from core import people
from core.logs import mask_phone
from core.models import Contact, SuppressionEvent
from ivr import simulated_numbers

log = logging.getLogger(__name__)


def opt_out_by_phone(contact: Contact) -> None:
    """Stop every call and message to this person, from the phone menu (checked at send time)."""
    if contact.opted_out_at is None:
        log.info("contact %s opted out by phone", mask_phone(contact.phone))
    people.opt_out(contact, *_by_phone(contact))


def opt_in_by_phone(contact: Contact) -> None:
    """Start calls and messages again for someone who had stopped them, from the phone menu."""
    people.opt_in(contact, *_by_phone(contact))


def _by_phone(contact: Contact) -> tuple[str, int | None]:
    """Who made a change from the phone: the caller, or the staff member whose test phone it is."""
    staff_id = simulated_numbers.owner_of(contact.phone)
    return (SuppressionEvent.SIMULATOR, staff_id) if staff_id else (SuppressionEvent.IVR, None)
