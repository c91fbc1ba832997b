"""Sends in batches: one claim statement a batch, whatever its size; a killed batch is reconciled, not resent;
a pause and the window's end stop a batch and give its rows back."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from campaigns import batch_sending, campaign_controls, campaign_runs, dispatch
from campaigns.models import Campaign, CampaignRun, Delivery
from core.db import db, utcnow
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import make_contact

LATER = 3600  # a sending job's end, far enough not to matter


def start(campaign: Campaign) -> CampaignRun:
    campaign_runs.schedule_campaign(campaign, "now")
    return campaign_runs.start_run(campaign.id)


def deliveries(run: CampaignRun) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).filter_by(run_id=run.id).order_by(Delivery.id)))


def statements_of_a_send_due(run_id: int) -> list[str]:
    """The first word of every SQL statement one sending job runs."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement.lstrip().split()[0].upper())

    db.session.commit()
    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        batch_sending.send_due(run_id, time.time() + LATER)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize("people", [2, 7])
def test_a_batch_costs_the_same_statements_whatever_its_size(people, app, clock, twilio_server, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_SMS_SEGMENTS_PER_SECOND", "20")  # a batch of 20 rows
    clock(monday(11))
    for n in range(people):
        make_contact(district="Sitapur", name=f"Person {n}")
    run = start(make_campaign(kind="sms", content="none", sms_hi="{name} जी, {district}: नया पाठ सुनें"))
    seen = statements_of_a_send_due(run.id)
    assert [d.state for d in deliveries(run)] == [Delivery.SENT] * people
    assert len(twilio_server.created("Messages")) == people
    # the claim (UPDATE ... RETURNING), the SIDs (one executemany), the next claim that finds nothing
    assert seen.count("UPDATE") == 3
    # the run and its campaign, the batch's contacts, their district once
    assert seen.count("SELECT") == 4


def test_a_killed_batch_is_reconciled_and_nobody_hears_twice(clock, work, twilio_server):
    clock(monday(11))
    people = [make_contact(district="Sitapur", name=f"Person {n}") for n in range(3)]
    run = start(make_campaign())
    plan = batch_sending.make_plan(run)
    batch, _token = batch_sending.claim(plan, 10)
    first = batch[0]
    reached = dispatch.send_to(first.id, first.channel, first.phone)  # then the worker was killed
    campaign_runs.tick(run.id)  # a fresh claim is nobody else's
    db.session.commit()
    work("campaigns")
    assert [d.state for d in deliveries(run)] == [Delivery.SENDING] * 3
    assert len(twilio_server.created("Calls")) == 1
    stale = utcnow() - timedelta(seconds=dispatch.CLAIM_SECONDS + 1)
    aged = {"claimed_at": stale, "enqueued_at": stale}  # the claim's time passes
    db.session.execute(update(Delivery).where(Delivery.run_id == run.id).values(**aged))
    db.session.commit()
    campaign_runs.tick(run.id)  # the recovery asks Twilio about each row, then sends those it lacks
    db.session.commit()
    work("campaigns")
    rows = deliveries(run)
    assert [d.state for d in rows] == [Delivery.SENT] * 3
    assert rows[0].provider_sid == reached.sid
    called = [r["form"]["To"] for r in twilio_server.created("Calls")]
    assert sorted(called) == sorted(p.phone for p in people)


def test_a_paused_campaign_claims_nothing(clock, twilio_server):
    clock(monday(11))
    make_contact(district="Sitapur")
    campaign = make_campaign()
    run = start(campaign)
    campaign_controls.pause(campaign)
    assert batch_sending.send_due(run.id, time.time() + LATER) == 0
    assert [d.state for d in deliveries(run)] == [Delivery.QUEUED]
    assert twilio_server.created("Calls") == []


def test_the_window_closing_mid_batch_gives_the_rest_back_for_the_next_opening(
    app, clock, twilio_server, monkeypatch
):
    clock(monday(11))
    app.config["CAMPAIGN_CALLS_PER_SECOND"] = (
        "10"  # one batch holds all three (the clock fixture restores it)
    )
    for n in range(3):
        make_contact(district="Sitapur", name=f"Person {n}")
    run = start(make_campaign())
    reserve = dispatch.reserve
    slots = []

    def slow_reserve(*args):
        slots.append(args)
        if len(slots) == 2:  # the wait for the second slot ends after the window closed
            clock(monday(18) + timedelta(seconds=1))
        return reserve(*args)

    monkeypatch.setattr(dispatch, "reserve", slow_reserve)
    assert batch_sending.send_due(run.id, time.time() + LATER) == 1
    rows = deliveries(run)
    assert [d.state for d in rows] == [Delivery.SENT, Delivery.QUEUED, Delivery.QUEUED]
    assert {d.not_before for d in rows[1:]} == {monday(10) + timedelta(days=1)}
    assert {d.claim_token for d in rows[1:]} == {None}
    assert len(twilio_server.created("Calls")) == 1
