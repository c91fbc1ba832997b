"""Missed-call mode: a caller who asks is called back, so the call costs them nothing."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import queue
from core.db import db
from core.logs import mask_phone
from core.models import Contact
from ivr import jobs
from ivr.models import (
    Call,
    Callback,
)

log = logging.getLogger(__name__)


def wants_callback(call: Call) -> bool:
    """True for an inbound call from a missed-call-mode caller who has not opted out."""
    contact = call.contact
    return bool(
        call.direction == Call.INBOUND and contact and contact.missed_call_mode and not contact.opted_out_at
    )


def set_missed_call_mode(contact: Contact, on: bool) -> None:
    """The caller's own choice on the keypad: ring, we reject (free for them) and call straight back."""
    contact.missed_call_mode = on
    log.info(
        "contact %s turned missed-call mode %s by phone", mask_phone(contact.phone), "on" if on else "off"
    )


def request_callback(call: Call) -> Callback:
    """Record the missed call once and enqueue the call back (after commit)."""
    return queue_callback(call.contact_id, call.call_sid)


def queue_callback(contact_id: int, asked_by_sid: str) -> Callback:
    """One callback per asking call or message (a retried webhook finds it); enqueued after commit."""
    existing = db.session.scalar(select(Callback).filter_by(missed_call_sid=asked_by_sid))
    if existing is not None:
        return existing
    callback = Callback(contact_id=contact_id, missed_call_sid=asked_by_sid)
    db.session.add(callback)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Callback).filter_by(missed_call_sid=asked_by_sid))
    queue.enqueue_after_commit("default", jobs.place_callback, callback.id)
    db.session.commit()
    return callback
