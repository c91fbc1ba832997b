"""Outbound sends when Twilio pushes back (429) or breaks (5xx): RQ retries with growing waits, and
each person still gets exactly one call or SMS. The read-timeout-after-accepting case lives with the
dispatch tests (test_read_timeout_is_reconciled_not_resent)."""

import time
from datetime import datetime

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select

from campaigns import (
    campaign_runs,
)
from campaigns.models import CampaignRun, Delivery
from core import queue
from core.db import db
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import make_contact
from tests.twilio_loopback import Fault

FAULTS = {
    "429": Fault(status=429, code=20429, message="Too Many Requests"),
    "500": Fault(status=500, message="Internal Server Error"),
    "503": Fault(status=503, message="Service Unavailable"),
}


def scheduled_sends() -> dict[int, datetime]:
    """Send jobs waiting in RQ's scheduled registry (retries with an interval): delivery id -> when."""
    registry = ScheduledJobRegistry("campaigns", connection=queue.redis_connection())
    found = {}
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=queue.redis_connection(), serializer=JSONSerializer)
        if job.func_name == "campaigns.jobs.send_delivery":
            found[job.args[0]] = registry.get_scheduled_time(job_id)
    return found


def let_retries_fall_due() -> None:
    """Time passes: every scheduled job becomes due now."""
    registry = ScheduledJobRegistry("campaigns", connection=queue.redis_connection())
    for job_id in registry.get_job_ids():
        queue.redis_connection().zadd(registry.key, {job_id: time.time() - 1})


def attempt_round(app) -> None:
    """One pass of a real worker; its scheduler first enqueues the retries that are due."""
    db.session.commit()
    queue.make_worker(app, ["campaigns"]).work(burst=True, with_scheduler=True)


def retry_waits(twilio_server, run: CampaignRun) -> list[float]:
    """Seconds from each refused request to the retry RQ booked for it."""
    waits = []
    for delivery_id, when in scheduled_sends().items():
        phone = db.session.get(Delivery, delivery_id).contact.phone
        refused = [r["time"] for r in twilio_server.requests if r["form"]["To"] == phone]
        waits.append(when.timestamp() - refused[-1])
    assert len(waits) == len(deliveries(run))
    return waits


@pytest.mark.parametrize("kind", FAULTS)
def test_throttled_or_failing_twilio_is_retried_with_backoff_and_sends_each_once(
    kind, app, clock, twilio_server, record_figure
):
    clock(monday(11))
    people = [make_contact(district="Sitapur", name=f"Person {i}") for i in range(3)]
    campaign = make_campaign()
    campaign_runs.schedule_campaign(campaign, "now")
    run = campaign_runs.start_run(campaign.id)
    twilio_server.faults.extend([FAULTS[kind]] * 6)  # every attempt of the first two rounds fails
    campaign_runs.tick(run.id)
    waits = []
    for interval in (10, 60):  # the first two waits of the retry intervals in core.queue
        attempt_round(app)
        waits += retry_waits(twilio_server, run)
        assert all(interval - 1 < wait <= interval + 1 for wait in waits[-3:]), waits
        let_retries_fall_due()
    attempt_round(app)
    rows = deliveries(run)
    assert [row.state for row in rows] == [Delivery.SENT] * 3
    for person, row in zip(people, rows, strict=True):
        tries = [r for r in twilio_server.requests if r["form"]["To"] == person.phone]
        assert [r["status"] for r in tries] == [FAULTS[kind].status] * 2 + [201]
        assert row.provider_sid == tries[-1]["sid"]
    assert scheduled_sends() == {}
    record_figure(f"campaigns.duplicate_sends_after_{kind}", 0)
    record_figure(f"campaigns.retry_waits_after_{kind}_seconds", sorted({round(wait) for wait in waits}))


def deliveries(run: CampaignRun) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).filter_by(run_id=run.id).order_by(Delivery.id)))
