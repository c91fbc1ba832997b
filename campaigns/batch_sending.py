"""Sending a run's due deliveries in batches: one claim statement a batch, each send in its rate slot.

A batch is claimed with one Core UPDATE ... RETURNING (state sending, one token for the batch,
committed) before any REST call, and each send's SID is stored as soon as Twilio answers, so the
outbox stays exactly-once as for a single send (campaigns.dispatch): a row left 'sending' by a killed
worker is taken over only when its claim is older than dispatch.CLAIM_SECONDS, by campaign_runs'
recovery, which asks Twilio before sending. A batch therefore starts no REST call once its claim is
too old for that, and gives back the rows it did not reach.
"""

import logging
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import bindparam, case, exists, func, or_, select, update

from campaigns import dispatch, jobs, schedule, sending, sms
from campaigns.models import Campaign, CampaignRun, Delivery
from core import queue, twilio
from core.db import db, utcnow
from core.models import Contact, District
from core.twilio import UNSUBSCRIBED_CODE

log = logging.getLogger(__name__)

# A batch is about a second of sends at the full rate: an opt-out, a pause or a cancel bites within it.
BATCH_SECONDS = 1
# The last REST call of a batch starts this long before anyone may take its rows over.
SEND_MARGIN_SECONDS = 5
DELIVERIES = Delivery.__table__
CONTACTS = Contact.__table__
CAMPAIGNS = Campaign.__table__
RUNS = CampaignRun.__table__


@dataclass
class Outgoing:
    """One claimed delivery with what its REST call needs."""

    id: int
    channel: str
    contact_id: int
    phone: str
    body: str = ""
    cost: int = 1


@dataclass
class Plan:
    """What every send of a run needs, read once (plain values: a commit expires no row here)."""

    run_id: int
    campaign_id: int
    window: schedule.Window
    templates: dict[str, str]
    lesson_id: int | None
    detect_machine: bool
    titles: dict[str | None, str] = field(default_factory=dict)
    districts: dict[tuple[int, str | None], str] = field(default_factory=dict)

    def title(self, language_code: str | None) -> str:
        """The lesson's title in the language, looked up once per language."""
        if language_code not in self.titles:
            self.titles[language_code] = sending.lesson_title(self.lesson_id, language_code)
        return self.titles[language_code]

    def district(self, district_id: int | None, language_code: str | None) -> str:
        """The district's name in the language, looked up once per district and language."""
        if district_id is None:
            return ""
        if (district_id, language_code) not in self.districts:
            found = db.session.get(District, district_id)
            self.districts[district_id, language_code] = found.name_in(language_code) if found else ""
        return self.districts[district_id, language_code]


def send_due(run_id: int, until: float) -> int:
    """Send the run's due rows a batch at a time until `until` (epoch seconds) or none is due; how many went out."""
    run = db.session.get(CampaignRun, run_id)
    if run is None or run.status != CampaignRun.RUNNING:
        return 0
    plan = make_plan(run)
    sent = 0
    while time.time() < until and dispatch.window_allows(plan.window):
        batch, token = claim(plan, batch_size())
        if not batch:
            break
        sent += send_batch(plan, batch, token)
    return sent


def make_plan(run: CampaignRun) -> Plan:
    """Read the run's campaign once."""
    campaign = run.campaign
    return Plan(
        run_id=run.id,
        campaign_id=campaign.id,
        window=schedule.campaign_window(campaign),
        templates=campaign.templates,
        lesson_id=campaign.lesson_id,
        detect_machine=campaign.machine_action != Campaign.MACHINE_OFF,
    )


def batch_size() -> int:
    """Rows in one batch: each sending job's share of a BATCH_SECONDS' worth at the faster channel's limit.

    A job sends one row at a time: a batch of the whole second's worth left the run's other jobs, on
    other workers, nothing to claim (B11: a second campaign worker added x1.03).
    """
    per_second = max(dispatch.rate_limit(Delivery.VOICE), dispatch.rate_limit(Delivery.SMS))
    return math.ceil(per_second * BATCH_SECONDS / dispatch.sending_jobs())


def claim(plan: Plan, size: int) -> tuple[list[Outgoing], str]:
    """Take up to `size` due rows with one statement, skip the opted-out, commit; the rows to send and their token."""
    token = uuid.uuid4().hex
    now = utcnow()
    claimed = db.session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_(_due(plan, size)), DELIVERIES.c.state == Delivery.QUEUED)
        .values(state=Delivery.SENDING, claim_token=token, claimed_at=now, enqueued_at=now)
        .returning(DELIVERIES.c.id, DELIVERIES.c.channel, DELIVERIES.c.contact_id, DELIVERIES.c.attempt)
    ).all()
    batch = _addressed(plan, sorted(claimed, key=lambda row: (row.attempt, row.id)))
    db.session.commit()
    return batch, token


def _due(plan: Plan, size: int):
    """The ids of the run's next due rows while the campaign and the run are running (paused: none)."""
    running = exists().where(CAMPAIGNS.c.id == plan.campaign_id, CAMPAIGNS.c.status == Campaign.RUNNING)
    run_running = exists().where(RUNS.c.id == plan.run_id, RUNS.c.status == CampaignRun.RUNNING)
    due = (
        select(DELIVERIES.c.id)
        .where(DELIVERIES.c.run_id == plan.run_id, DELIVERIES.c.state == Delivery.QUEUED)
        .where(DELIVERIES.c.not_before <= schedule.now(), running, run_running)
        .order_by(DELIVERIES.c.attempt, DELIVERIES.c.id)
        .limit(size)
    )
    if db.engine.dialect.name == "postgresql":  # two workers claiming at once take different rows
        due = due.with_for_update(skip_locked=True, of=DELIVERIES)
    return due


def _addressed(plan: Plan, claimed) -> list[Outgoing]:
    """Read the claimed rows' contacts in one statement: the opted-out are skipped, the others get their text."""
    if not claimed:
        return []
    people = {
        person.id: person
        for person in db.session.execute(
            select(
                CONTACTS.c.id,
                CONTACTS.c.phone,
                CONTACTS.c.name,
                CONTACTS.c.language_code,
                CONTACTS.c.district_id,
                CONTACTS.c.opted_out_at,
            ).where(CONTACTS.c.id.in_({row.contact_id for row in claimed}))
        )
    }
    # a contact erased since the claim took its rows with it
    present = [row for row in claimed if row.contact_id in people]
    skipped = [row.id for row in present if people[row.contact_id].opted_out_at is not None]
    if skipped:
        _skip_opted_out(skipped)
    return [
        _outgoing(plan, row, people[row.contact_id])
        for row in present
        if people[row.contact_id].opted_out_at is None
    ]


def _skip_opted_out(ids: list[int]) -> None:
    db.session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_(ids))
        .values(
            state=Delivery.SKIPPED,
            reason="opted_out",
            reason_detail=sending.REASONS["opted_out"],
            claim_token=None,
            finished_at=utcnow(),
        )
    )


def _outgoing(plan: Plan, row, person) -> Outgoing:
    if row.channel != Delivery.SMS:
        return Outgoing(row.id, row.channel, row.contact_id, person.phone)
    values = {
        "name": person.name or "",
        "district": plan.district(person.district_id, person.language_code),
        "title": plan.title(person.language_code),
        "line": sending.line_number(),
    }
    body = sending.sms_text(plan.templates, person.language_code, values)
    cost = sms.measure(body).segments if body else 1
    return Outgoing(row.id, row.channel, row.contact_id, person.phone, body, cost)


def send_batch(plan: Plan, batch: list[Outgoing], token: str) -> int:
    """Send each claimed row in its rate slot; rows not reached in time go back to the queue. How many went out.

    The SIDs are stored together when the batch ends (one statement, one commit): a worker killed
    before that leaves its sent rows 'sending', and the recovery finds each at Twilio.
    """
    last_start = time.monotonic() + dispatch.CLAIM_SECONDS - twilio.REST_TIMEOUT_SECONDS - SEND_MARGIN_SECONDS
    sent: list[tuple[Outgoing, twilio.Sent]] = []
    try:
        for done, item in enumerate(batch):
            max_wait = min(dispatch.MAX_RATE_WAIT_SECONDS, last_start - time.monotonic())
            wait = dispatch.reserve(item.channel, item.cost, max_wait)
            if wait is None:
                give_back(batch[done:], token)
                break
            time.sleep(wait)
            dispatch.hold_start(item.channel, item.cost)
            if not dispatch.window_allows(plan.window):  # the wait for the slot crossed the window's end
                give_back(batch[done:], token, plan.window.next_opening(schedule.now()))
                break
            if (outcome := send_one(plan, item)) is not None:
                sent.append((item, outcome))
    finally:
        record(sent)
    return len(sent)


def send_one(plan: Plan, item: Outgoing) -> twilio.Sent | None:
    """One REST call: what Twilio answered, or None (a refusal recorded, or an unknown outcome left to a retry)."""
    try:
        return dispatch.send_to(item.id, item.channel, item.phone, item.body, plan.detect_machine)
    except twilio.TwilioError as error:
        if error.permanent:
            fail(item, error)
        else:
            retry_alone(item, error)
    except requests.RequestException as error:
        retry_alone(item, error)
    return None


# The state only moves forward (a callback may already have advanced it) and a SID already known stays.
RECORD = (
    update(DELIVERIES)
    .where(DELIVERIES.c.id == bindparam("row_id"))
    .values(
        provider_sid=func.coalesce(DELIVERIES.c.provider_sid, bindparam("sid")),
        sent_at=func.coalesce(DELIVERIES.c.sent_at, bindparam("sent_now", type_=DELIVERIES.c.sent_at.type)),
        claim_token=None,
        segments=bindparam("row_segments"),
        state=case(
            # not IN (...): an expanding list cannot go into an executemany
            (
                or_(DELIVERIES.c.state == Delivery.QUEUED, DELIVERIES.c.state == Delivery.SENDING),
                Delivery.SENT,
            ),
            else_=DELIVERIES.c.state,
        ),
    )
)


def record(sent: list[tuple[Outgoing, twilio.Sent]]) -> None:
    """Store the SIDs of the sends Twilio accepted, in one statement."""
    if not sent:
        return
    now = utcnow()
    rows = [
        {
            "row_id": item.id,
            "sid": answer.sid,
            "sent_now": now,
            "row_segments": item.cost if item.channel == Delivery.SMS else None,
        }
        for item, answer in sent
    ]
    db.session.execute(RECORD, rows)
    db.session.commit()


def fail(item: Outgoing, error: twilio.TwilioError) -> None:
    """Twilio refused the send for good: failed with a readable reason; 21610 opts the contact out."""
    columns = sending.failure(error.code, str(error))
    db.session.execute(update(DELIVERIES).where(DELIVERIES.c.id == item.id).values(**columns))
    if error.code == UNSUBSCRIBED_CODE:
        _carrier_opt_out(item.contact_id)
    db.session.commit()
    log.info("delivery %s failed: %s", item.id, columns["reason"])


def _carrier_opt_out(contact_id: int) -> None:
    contact = db.session.get(Contact, contact_id)
    if contact is not None:  # erased meanwhile: nobody left to opt out
        sending.carrier_opt_out(contact)


def retry_alone(item: Outgoing, error: Exception) -> None:
    """Twilio may or may not have the send (429, 5xx, a timeout): the row waits, 'sending' without a claim,
    for a single send job, which asks Twilio before sending again, with the usual back-off of a failed job."""
    db.session.execute(
        update(DELIVERIES).where(DELIVERIES.c.id == item.id).values(claim_token=None, enqueued_at=utcnow())
    )
    db.session.commit()
    log.warning("delivery %s: send not confirmed (%s); retried alone", item.id, error)
    first, *later = queue.RETRY_INTERVALS
    try:
        queue.get_queue("campaigns").enqueue_in(
            timedelta(seconds=first),
            jobs.send_delivery,
            item.id,
            retry=Retry(max=len(later), interval=later),
        )
    except RedisError as enqueue_error:  # campaign_runs' recovery enqueues it once the claim is stale
        log.warning("delivery %s: retry not enqueued: %s", item.id, enqueue_error)


def give_back(items: list[Outgoing], token: str, not_before: datetime | None = None) -> None:
    """Rows of the batch that were not sent go back to the queue (for the next opening when given)."""
    values: dict = {"state": Delivery.QUEUED, "claim_token": None, "enqueued_at": None}
    if not_before is not None:
        values["not_before"] = not_before
    db.session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_([item.id for item in items]), DELIVERIES.c.claim_token == token)
        .where(DELIVERIES.c.state == Delivery.SENDING)
        .values(**values)
    )
    db.session.commit()
