"""Forward to a friend: a caller types a colleague's number after an item, and the line calls them.

The call goes out inside the default calling hours (campaigns.schedule) at the campaign sender's rate
(campaigns.dispatch), never to an opted-out number, and at most FORWARDS_PER_DAY times per caller per
local day. The recipient hears who shared it, the item, and can stop all calls with one key.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from campaigns import dispatch, jobs, schedule
from campaigns.models import Delivery, Forward
from core import people, queue, twilio
from core.db import db, utcnow
from core.logs import mask_phone
from core.models import Contact

log = logging.getLogger(__name__)
# Why a forward is refused, as the caller hears it (ivr.peer_prompts: forward_refused_<reason>).
BAD_NUMBER, OWN_NUMBER, OPTED_OUT, DAILY_LIMIT, UNKNOWN_CALLER = (
    "number",
    "own",
    "opted_out",
    "limit",
    "unknown",
)


def per_day() -> int:
    """FORWARDS_PER_DAY: how many forwards one caller may ask for in a local day."""
    return int(current_app.config["FORWARDS_PER_DAY"])  # checked at start-up (core.config)


def indian_mobile(digits: str) -> str | None:
    """+91 and the ten digits of an Indian mobile number (it starts with 6-9), or None."""
    if len(digits) != 10 or not digits.isdigit() or digits[0] not in "6789":
        return None
    try:
        return people.normalise_phone("+91" + digits)
    except people.InvalidPhoneError:
        return None


def ask(sharer_id: int | None, digits: str, lesson_id: int) -> tuple[Forward | None, str]:
    """Queue a forward of the item to the number typed; (the forward, "") or (None, why it was refused)."""
    sharer = db.session.get(Contact, sharer_id) if sharer_id else None
    phone = indian_mobile(digits)
    if sharer is None or phone is None:
        return None, UNKNOWN_CALLER if sharer is None else BAD_NUMBER
    refusal = _refusal(sharer, phone)
    if refusal:
        return None, refusal
    friend = _contact(phone, sharer.language_code)
    if friend.opted_out_at:
        return None, OPTED_OUT
    forward = Forward(
        from_contact_id=sharer.id, to_contact_id=friend.id, lesson_id=lesson_id, created_at=schedule.now()
    )
    forward.district_id = sharer.district_id
    db.session.add(forward)
    db.session.flush()
    queue.enqueue_after_commit("campaigns", jobs.place_forward, forward.id)
    return forward, ""


def _refusal(sharer: Contact, phone: str) -> str:
    if phone == sharer.phone:
        return OWN_NUMBER
    return DAILY_LIMIT if asked_today(sharer.id) >= per_day() else ""


def _contact(phone: str, language_code: str | None) -> Contact:
    found = db.session.scalar(select(Contact).filter_by(phone=phone))
    if found is None:  # a colleague most likely speaks the sharer's language: their call starts in it
        found = Contact(phone=phone, created_by=Contact.SELF_REGISTERED, language_code=language_code)
        db.session.add(found)
        db.session.flush()
    return found


def asked_today(sharer_id: int) -> int:
    """Forwards the caller asked for since local midnight (refused ones are not stored, so not counted)."""
    query = select(func.count(Forward.id)).where(Forward.from_contact_id == sharer_id)
    return db.session.scalar(query.where(Forward.created_at >= _local_midnight())) or 0


def _local_midnight() -> datetime:
    local = schedule.now().astimezone(schedule.zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def place(forward_id: int) -> None:
    """Call the friend now if calling hours allow (else leave it for place_due); at most once."""
    forward = db.session.get(Forward, forward_id)
    if forward is None or forward.status != Forward.PENDING or not _calling_hours():
        return
    if not people.may_contact(forward.to_contact_id or 0):
        _finish(forward, Forward.REFUSED, "the friend has opted out or was removed")
        return
    if not _claim(forward_id) or not dispatch.acquire(Delivery.VOICE):
        db.session.execute(
            update(Forward).filter_by(id=forward_id, status=Forward.CALLING).values(status=Forward.PENDING)
        )
        db.session.commit()
        return
    _call(forward)


def _calling_hours() -> bool:
    window = schedule.Window.parse(*schedule.DEFAULT_WINDOW)
    moment = schedule.now()
    return window.contains(moment) and window.contains(
        moment + timedelta(seconds=dispatch.WINDOW_END_MARGIN_SECONDS)
    )


def _claim(forward_id: int) -> bool:
    # A re-run after a crash mid-request finds "calling" and does not dial again.
    claimed = db.session.execute(
        update(Forward).filter_by(id=forward_id, status=Forward.PENDING).values(status=Forward.CALLING)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _call(forward: Forward) -> None:
    friend = forward.to_contact
    if friend is None:  # erased between the check and the call
        _finish(forward, Forward.REFUSED, "the friend was removed")
        return
    url = twilio.public_url(f"/ivr/step/forwarded?forward={forward.id}")  # the line's own screen for it
    try:
        sent = twilio.place_call(friend.phone, url, twilio.public_url("/ivr/status"))
    except twilio.TwilioError as error:
        _finish(forward, Forward.FAILED, str(error))
        return
    forward.call_sid = sent.sid
    forward.placed_at = utcnow()
    _finish(forward, Forward.PLACED, "")
    log.info("forward %s placed to %s", forward.id, mask_phone(friend.phone))


def _finish(forward: Forward, status: str, reason: str) -> None:
    forward.status = status
    forward.reason = reason
    db.session.commit()


def place_due() -> int:
    """Place every pending forward (those asked for outside calling hours wait here); the number placed."""
    pending = db.session.scalars(
        select(Forward.id).filter_by(status=Forward.PENDING).order_by(Forward.id)
    ).all()
    for forward_id in pending:
        place(forward_id)
    return (
        db.session.scalar(
            select(func.count(Forward.id)).where(Forward.id.in_(pending), Forward.status == Forward.PLACED)
        )
        or 0
    )


def for_call(forward_id: int) -> Forward | None:
    """The forward a placed call belongs to (the recipient's screens read it)."""
    return db.session.get(Forward, forward_id)
