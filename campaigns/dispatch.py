"""Sending one delivery exactly once: a claim on the outbox row, a rate limit, then Twilio.

A delivery is claimed (state sending + a token, committed) before the REST call and its SID is
stored after. A claim left behind by a killed worker or a read timeout is never sent blindly
again: the next holder first asks Twilio whether the call or SMS exists (reconciliation).
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from campaigns import schedule
from campaigns.models import Campaign, Delivery
from core import twilio
from core.db import db, utcnow
from core.queue import redis_connection

log = logging.getLogger(__name__)

# Longer than the longest a holder can take: rate wait + the REST timeout + margin.
MAX_RATE_WAIT_SECONDS = 10
CLAIM_SECONDS = MAX_RATE_WAIT_SECONDS + twilio.REST_TIMEOUT_SECONDS + 10
# Twilio's clock and ours differ a little; a send found this much before our claim still counts.
CLOCK_SLACK_SECONDS = 5
# A send started this close to the window's end would reach the phone after it closes.
WINDOW_END_MARGIN_SECONDS = 5
# Sends are paced evenly, each a little more than 1/limit of a second after the last
# (CAMPAIGN_PACING_SLACK): a burst would queue its own requests behind each other on the way out, and
# the jitter could push Twilio's count of any one second over the limit. `limit` slots span `slack`
# seconds, so the slack is how late a send may reach the provider: 1.015 (15 ms) keeps every 60 s window
# at or above 98% of the limit (59 of 60 at 1/s), where 1.05 left 95%.

# Slots are booked in Redis time, back to back: the next slot is the later of now and the last
# booking's end, so a sender that wakes a moment late takes nothing from the next one. Answers the
# microseconds to wait for the booked slot, or minus the microseconds to the next free slot when that
# is further away than max_wait (then nothing is booked).
PACE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local spacing, cost, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if slot - now > max_wait then
  return -math.max(1, math.ceil(slot - now))
end
local free_at = slot + spacing * cost
redis.call('SET', KEYS[1], string.format('%.0f', free_at), 'PX', math.ceil((free_at - now) / 1000) + 1000)
return math.ceil(slot - now)
"""


# The provider counts any one second of arrivals. A sender that wakes late from its slot's sleep lands
# close behind the next sender: so just before its REST call a send also checks the starts of the
# sender's last `limit` sends (segments) and waits until the one `limit` back is a second and
# START_MARGIN_MS old. Pacing keeps that true by itself (limit slots span 1.015 s); this catches the late.
START_MARGIN_MS = 10
START_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, cost, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local older = redis.call('LINDEX', KEYS[1], limit - cost)
if older and tonumber(older) + span > now then
  return math.ceil(tonumber(older) + span - now)
end
for _ = 1, cost do
  redis.call('LPUSH', KEYS[1], string.format('%.0f', now))
end
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('PEXPIRE', KEYS[1], 2000)
return 0
"""


def sending_jobs() -> int:
    """Sending jobs per run and tick: one sends a row at a time, so one per REST round trip's worth of the rate."""
    return max(1, int(current_app.config["CAMPAIGN_SENDING_JOBS"]))


def rate_limit(channel: str) -> int:
    """Allowed calls (voice) or SMS segments (sms) per second per sender: sends are paced evenly,
    checked and booked atomically in Redis."""
    name = "CAMPAIGN_CALLS_PER_SECOND" if channel == Delivery.VOICE else "CAMPAIGN_SMS_SEGMENTS_PER_SECOND"
    return max(1, int(float(current_app.config[name])))


def spacing_ms(channel: str) -> float:
    """Milliseconds between two sends (or SMS segments) of one sender."""
    return float(current_app.config["CAMPAIGN_PACING_SLACK"]) * 1000 / rate_limit(channel)


def reserve(channel: str, cost: int = 1, max_wait: float = 0) -> float | None:
    """Book the sender's next `cost` slots if they start within max_wait seconds: the seconds until
    they start (sleep that long, then send), or None when nothing was booked."""
    answer = _book(channel, cost, max_wait)
    return answer / 1_000_000 if answer >= 0 else None


def try_acquire(channel: str, cost: int = 1) -> int:
    """Book the sender's next `cost` slots now: 0 if booked, else milliseconds until the next free slot."""
    answer = _book(channel, cost, 0)
    return 0 if answer >= 0 else max(1, -answer // 1000)


def _book(channel: str, cost: int, max_wait: float) -> int:
    key = f"chaupal:rate:{channel}:{current_app.config['TWILIO_CALLER_ID']}"
    args = [spacing_ms(channel) * 1000, cost, int(max_wait * 1_000_000)]
    return int(_script(PACE_SCRIPT)(keys=[key], args=args))


def hold_start(channel: str, cost: int = 1) -> None:
    """Right before the REST call: wait until this send keeps the sender's last second within the limit,
    then note its start."""
    key = f"chaupal:starts:{channel}:{current_app.config['TWILIO_CALLER_ID']}"
    limit = rate_limit(channel)
    args = [limit, min(cost, limit), (1000 + START_MARGIN_MS) * 1000]
    while (wait := int(_script(START_SCRIPT)(keys=[key], args=args))) > 0:
        time.sleep(wait / 1_000_000)


def _script(source: str):
    """The Lua script registered on this process's Redis connection (once, not per send)."""
    connection = redis_connection()
    if _scripts.get(source, (None, None))[0] is not connection:
        _scripts[source] = (connection, connection.register_script(source))
    return _scripts[source][1]


_scripts: dict = {}


def acquire(channel: str, cost: int = 1, max_wait: float = MAX_RATE_WAIT_SECONDS) -> bool:
    """Book the sender's next slot if it comes within max_wait seconds and wait for it; True once it has come."""
    wait = reserve(channel, cost, max_wait)
    if wait is None:
        return False
    time.sleep(wait)
    hold_start(channel, cost)
    return True


def claim(delivery: Delivery) -> str | None:
    """Take the row for sending (compare-and-set); the token, or None if someone else holds it."""
    token, stale = uuid.uuid4().hex, utcnow() - timedelta(seconds=CLAIM_SECONDS)
    taken = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.state.in_((Delivery.QUEUED, Delivery.SENDING)))
        .where(or_(Delivery.claim_token.is_(None), Delivery.claimed_at < stale))
        .values(state=Delivery.SENDING, claim_token=token, claimed_at=utcnow())
    )
    db.session.commit()
    if taken.rowcount == 1:
        reload(delivery)
    return token if taken.rowcount == 1 else None


def still_ours(delivery: Delivery, token: str) -> bool:
    """Refresh the claim before the rate wait and the REST call; False if it was taken over meanwhile."""
    touched = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.claim_token == token, Delivery.state == Delivery.SENDING)
        .values(claimed_at=utcnow())
    )
    db.session.commit()
    if touched.rowcount == 1:
        reload(delivery)
    return touched.rowcount == 1


def reload(delivery: Delivery) -> None:
    """Read the delivery, its contact, campaign and run in one statement: a commit expired all four,
    and reading them one by one cost four statements per send, twice."""
    query = (
        select(Delivery)
        .where(Delivery.id == delivery.id)
        .options(joinedload(Delivery.contact), joinedload(Delivery.campaign), joinedload(Delivery.run))
        .execution_options(populate_existing=True)
    )
    db.session.execute(query).unique().one()


def requeue(delivery: Delivery, not_before: datetime | None = None) -> None:
    """Give the row back, unsent, for the campaign's next tick (paused, window closed, rate busy)."""
    delivery.state = Delivery.QUEUED
    delivery.claim_token = None
    delivery.enqueued_at = None
    if not_before is not None:
        delivery.not_before = not_before
    db.session.commit()


def load_for_sending(delivery: Delivery) -> None:
    """Read now what the REST call needs, so nothing waits on the database once a rate slot is booked."""
    _ = (delivery.contact.phone, delivery.campaign.machine_action, delivery.run.campaign.window_end)


def release_unknown(delivery: Delivery) -> None:
    """Drop the claim but keep 'sending': whether it went out is unknown until reconciled."""
    delivery.claim_token = None
    db.session.commit()


def reconcile(delivery: Delivery, claimed_before: datetime | None) -> bool:
    """Look the send up at Twilio after an interrupted attempt; True (and the SID stored) if it exists."""
    if delivery.provider_sid:
        return True
    since = (claimed_before or delivery.created_at) - timedelta(seconds=CLOCK_SLACK_SECONDS)
    kind = "call" if delivery.channel == Delivery.VOICE else "sms"
    for sent in twilio.recent_sends(kind, delivery.contact.phone, since):
        if not db.session.query(Delivery.id).filter_by(provider_sid=sent.sid).first():
            log.info("delivery %s: found %s at Twilio after an interrupted send", delivery.id, sent.sid)
            record_sent(delivery, sent)
            return True
    return False


def record_sent(delivery: Delivery, sent: twilio.Sent) -> None:
    """Store the SID; the state only moves forward (a callback may already have advanced it)."""
    delivery.provider_sid = delivery.provider_sid or sent.sid
    delivery.sent_at = delivery.sent_at or utcnow()
    delivery.claim_token = None
    if delivery.rank(Delivery.SENT) > delivery.rank(delivery.state):
        delivery.state = Delivery.SENT
    db.session.commit()


def callback_urls(delivery: Delivery) -> dict[str, str]:
    """The per-delivery URLs Twilio calls back on (the id in them ties every callback to its row)."""
    return callback_urls_for(delivery.id, delivery.channel)


def callback_urls_for(delivery_id: int, channel: str) -> dict[str, str]:
    """The callback URLs of the delivery with this id and channel."""
    if channel == Delivery.SMS:
        return {"status_callback": twilio.public_url(f"/sms/status?delivery={delivery_id}")}
    return {
        "url": twilio.public_url(f"/ivr/broadcast/{delivery_id}"),
        "status_callback": twilio.public_url(f"/ivr/broadcast/{delivery_id}/status"),
    }


def provider_send(delivery: Delivery, body: str = "") -> twilio.Sent:
    """One REST call for the delivery: a call with our TwiML URL, or an SMS."""
    detect = delivery.campaign.machine_action != Campaign.MACHINE_OFF
    return send_to(delivery.id, delivery.channel, delivery.contact.phone, body, detect)


def send_to(
    delivery_id: int, channel: str, phone: str, body: str = "", detect_machine: bool = False
) -> twilio.Sent:
    """One REST call for a delivery given by its id: an SMS with this body, or a call with our TwiML URL."""
    urls = callback_urls_for(delivery_id, channel)
    if channel == Delivery.SMS:
        return twilio.send_sms(phone, body, status_callback=urls["status_callback"])
    options = {"machine_detection": "Enable"} if detect_machine else {}
    return twilio.place_call(phone, urls["url"], urls["status_callback"], **options)


def send_claimed(delivery: Delivery, body: str = "") -> None:
    """Send a delivery whose claim was just refreshed; a permanent TwilioError is the caller's."""
    try:
        sent = provider_send(delivery, body)
    except twilio.TwilioError as error:
        if not error.permanent:
            release_unknown(delivery)
        raise
    except requests.RequestException:
        # A read timeout may come after Twilio accepted: reconcile on the retry, never resend blindly.
        release_unknown(delivery)
        raise
    record_sent(delivery, sent)


def window_open(run) -> bool:
    """True if the run may send now: its window is open and stays open a little (test-sends: always)."""
    return run.is_test or window_allows(schedule.campaign_window(run.campaign))


def window_allows(window: schedule.Window) -> bool:
    """True if the calling window is open now and stays open long enough for a send to reach the phone."""
    now = schedule.now()
    return window.contains(now) and window.contains(now + timedelta(seconds=WINDOW_END_MARGIN_SECONDS))


def in_window(delivery: Delivery) -> bool:
    """True if the delivery may go out now under its campaign's calling window."""
    return window_open(delivery.run)
