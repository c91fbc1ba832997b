"""Dispatch against the loopback Twilio server: windows, opt-outs, failures, reconciliation, callbacks."""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from campaigns import (
    campaign_controls,
    campaign_reports,
    campaign_runs,
    dispatch,
    sending,
    status_callbacks,
)
from campaigns.models import Campaign, CampaignRun, Delivery
from core import twilio
from core.db import db, utcnow
from core.models import SuppressionEvent
from core.queue import get_queue
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import make_contact
from tests.twilio_loopback import Fault


def start(campaign: Campaign, when: str = "now") -> CampaignRun:
    campaign_runs.schedule_campaign(campaign, when)
    return campaign_runs.start_run(campaign.id)


def drain(work) -> None:
    """Run the queued jobs; the test's session must hold no connection a forked job could inherit."""
    db.session.commit()
    work("campaigns")


def deliveries(run: CampaignRun) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).filter_by(run_id=run.id).order_by(Delivery.id)))


def calls_to(twilio_server, phone: str) -> list[dict]:
    return [r for r in twilio_server.requests if r["kind"] == "Calls" and r["form"]["To"] == phone]


@pytest.fixture
def people():
    return [make_contact(district="Sitapur", name=f"Person {i}") for i in range(3)]


def test_run_sends_each_contact_once_inside_the_window(clock, people, work, twilio_server):
    clock(monday(11))
    outsider = make_contact(district="Lucknow")
    run = start(make_campaign())
    assert {d.contact_id for d in deliveries(run)} == {p.id for p in people}
    campaign_runs.tick(run.id)
    drain(work)
    rows = deliveries(run)
    assert [d.state for d in rows] == [Delivery.SENT] * 3
    for person, row in zip(people, rows, strict=True):
        (call,) = calls_to(twilio_server, person.phone)
        assert call["sid"] == row.provider_sid
        assert call["form"]["Url"].endswith(f"/ivr/broadcast/{row.id}")
        assert call["form"]["StatusCallback"].endswith(f"/ivr/broadcast/{row.id}/status")
    assert not calls_to(twilio_server, outsider.phone)


def test_nothing_goes_out_before_the_window_opens(clock, people, work, twilio_server):
    clock(monday(19, 30))
    run = start(make_campaign())
    assert {d.not_before for d in deliveries(run)} == {monday(10) + timedelta(days=1)}
    campaign_runs.tick(run.id)
    drain(work)
    assert twilio_server.created("Calls") == []
    clock(monday(10, 0, weeks=0) + timedelta(days=1, seconds=5))
    campaign_runs.tick(run.id)
    drain(work)
    assert len(twilio_server.created("Calls")) == 3


def test_a_send_job_outside_the_window_requeues_for_the_next_opening(clock, people, twilio_server):
    clock(monday(11))
    run = start(make_campaign())
    clock(monday(18, 0, weeks=0) + timedelta(seconds=1))
    sending.send(deliveries(run)[0].id)
    row = deliveries(run)[0]
    assert (row.state, row.enqueued_at) == (Delivery.QUEUED, None)
    assert row.not_before == monday(10) + timedelta(days=1)
    assert twilio_server.created("Calls") == []


def test_opt_out_after_scheduling_is_honoured_at_send_time(clock, people, work, twilio_server):
    clock(monday(11))
    run = start(make_campaign())
    people[0].opted_out_at = utcnow()
    db.session.commit()
    campaign_runs.tick(run.id)
    drain(work)
    skipped = next(d for d in deliveries(run) if d.contact_id == people[0].id)
    assert (skipped.state, skipped.reason) == (Delivery.SKIPPED, "opted_out")
    assert not calls_to(twilio_server, people[0].phone)


def test_invalid_number_fails_with_a_readable_reason_and_no_retry(clock, people, work, twilio_server):
    clock(monday(11))
    twilio_server.invalid_numbers.add(people[1].phone)
    run = start(make_campaign())
    campaign_runs.tick(run.id)
    drain(work)
    failed = next(d for d in deliveries(run) if d.contact_id == people[1].id)
    assert (failed.state, failed.error_code, failed.reason_detail) == (
        Delivery.FAILED,
        21211,
        "not a valid phone number",
    )
    assert len(deliveries(run)) == 3


def test_unsubscribed_sms_opts_the_contact_out(clock, people, work, twilio_server):
    clock(monday(11))
    twilio_server.unsubscribed_numbers.add(people[0].phone)
    campaign = make_campaign(kind="sms", content="none", sms_hi="{name} जी, नया पाठ सुनें")
    run = start(campaign)
    campaign_runs.tick(run.id)
    drain(work)
    db.session.expire_all()
    assert people[0].opted_out_at is not None
    history = db.session.scalars(select(SuppressionEvent).filter_by(contact_id=people[0].id)).all()
    assert [(e.action, e.source) for e in history] == [(SuppressionEvent.OPT_OUT, SuppressionEvent.CARRIER)]
    sent = [r for r in twilio_server.created("Messages")]
    assert len(sent) == 2 and sent[0]["form"]["Body"].endswith("जी, नया पाठ सुनें")
    assert {d.segments for d in deliveries(run) if d.state == Delivery.SENT} == {1}


def test_read_timeout_is_reconciled_not_resent(clock, people, twilio_server, monkeypatch):
    monkeypatch.setattr(twilio, "REST_TIMEOUT_SECONDS", 1)
    clock(monday(11))
    run = start(make_campaign())
    row = deliveries(run)[0]
    twilio_server.faults.append(Fault(status=201, hang_after_accepting=2))
    with pytest.raises(requests.RequestException):
        sending.send(row.id)
    row = deliveries(run)[0]
    assert (row.state, row.claim_token, row.provider_sid) == (Delivery.SENDING, None, None)
    sending.send(row.id)  # what RQ's retry does
    row = deliveries(run)[0]
    (call,) = calls_to(twilio_server, row.contact.phone)
    assert (row.state, row.provider_sid) == (Delivery.SENT, call["sid"])


def test_interrupted_send_that_never_reached_twilio_is_sent_once(clock, people, twilio_server):
    clock(monday(11))
    run = start(make_campaign())
    row = deliveries(run)[0]
    assert dispatch.claim(row)  # a worker claimed it and died before the REST call
    row.claimed_at = utcnow() - timedelta(seconds=dispatch.CLAIM_SECONDS + 1)
    db.session.commit()
    sending.send(row.id)
    sending.send(row.id)
    assert len(calls_to(twilio_server, row.contact.phone)) == 1
    assert deliveries(run)[0].state == Delivery.SENT


def test_a_fresh_claim_is_not_taken_over(clock, people, twilio_server):
    clock(monday(11))
    run = start(make_campaign())
    row = deliveries(run)[0]
    assert dispatch.claim(row)
    assert dispatch.claim(row) is None
    sending.send(row.id)
    assert twilio_server.created("Calls") == []


def test_callbacks_never_move_backwards_and_duplicates_retry_once(clock, people, work, twilio_post):
    clock(monday(17, 30))
    run = start(make_campaign(max_attempts="3", retry_minutes="60"))
    campaign_runs.tick(run.id)
    drain(work)
    row = deliveries(run)[0]
    path = f"/ivr/broadcast/{row.id}/status"
    for status in ("no-answer", "ringing", "no-answer", "initiated"):
        assert twilio_post(path, {"CallSid": row.provider_sid, "CallStatus": status}).status_code == 204
    attempts = [d for d in deliveries(run) if d.contact_id == row.contact_id]
    assert [(d.attempt, d.state) for d in attempts] == [(1, Delivery.NO_ANSWER), (2, Delivery.QUEUED)]
    assert attempts[0].reason_detail == "did not answer"
    assert attempts[1].not_before == monday(10) + timedelta(days=1)  # 18:30 is past the window


def test_status_before_the_sid_is_stored_fills_it_in(clock, people, twilio_post):
    clock(monday(11))
    run = start(make_campaign())
    row = deliveries(run)[0]
    dispatch.claim(row)
    twilio_post(f"/ivr/broadcast/{row.id}/status", {"CallSid": "CA" + "f" * 32, "CallStatus": "ringing"})
    dispatch.record_sent(deliveries(run)[0], twilio.Sent("CA" + "f" * 32, "queued"))
    row = deliveries(run)[0]
    assert (row.state, row.provider_sid) == (Delivery.RINGING, "CA" + "f" * 32)


def test_machine_answer_hangs_up_and_counts_as_not_reached(clock, people, work, twilio_server, twilio_post):
    clock(monday(11))
    run = start(make_campaign(machine_action="hangup"))
    campaign_runs.tick(run.id)
    drain(work)
    row = deliveries(run)[0]
    assert calls_to(twilio_server, row.contact.phone)[0]["form"]["MachineDetection"] == "Enable"
    answer = {"CallSid": row.provider_sid, "AnsweredBy": "machine_start"}
    xml = twilio_post(f"/ivr/broadcast/{row.id}", answer)
    assert "<Hangup />" in xml.get_data(as_text=True)
    twilio_post(f"/ivr/broadcast/{row.id}/status", {"CallSid": row.provider_sid, "CallStatus": "completed"})
    row = deliveries(run)[0]
    assert (row.state, row.reason) == (Delivery.NO_ANSWER, "machine")
    assert len([d for d in deliveries(run) if d.contact_id == row.contact_id]) == 2


def test_pause_holds_sends_and_cancel_closes_them(clock, people, twilio_server):
    clock(monday(11))
    campaign = make_campaign()
    run = start(campaign)
    campaign_controls.pause(campaign)
    sending.send(deliveries(run)[0].id)
    assert deliveries(run)[0].state == Delivery.QUEUED
    campaign_controls.resume(campaign)
    sending.send(deliveries(run)[0].id)
    campaign_controls.cancel(campaign)
    sending.send(deliveries(run)[1].id)
    assert [d.state for d in deliveries(run)] == [Delivery.SENT, Delivery.CANCELED, Delivery.CANCELED]
    assert len(twilio_server.created("Calls")) == 1


def test_run_finishes_and_weekly_campaign_books_its_next_run(clock, people, work, app):
    clock(monday(10, 0))
    campaign = make_campaign()
    campaign_runs.schedule_campaign(campaign, "weekly", monday(10, 0))
    run = campaign_runs.start_run(campaign.id)
    assert campaign_runs.start_run(campaign.id) is None  # the start job running twice opens no second run
    assert campaign.next_run_at == monday(10, weeks=1)
    campaign_runs.tick(run.id)
    drain(work)
    assert campaign_runs.tick(run.id) is True  # calls still out could need a retry
    for row in deliveries(run):
        status_callbacks.record_call_status(row.id, {"CallSid": row.provider_sid, "CallStatus": "completed"})
    assert campaign_runs.tick(run.id) is False
    db.session.expire_all()
    assert (run.status, campaign.status) == (CampaignRun.DONE, Campaign.SCHEDULED)
    report = campaign_reports.progress(campaign)
    assert (report["recipients"], report["reached"]) == (3, 3)


def test_sms_body_is_in_the_contacts_language_with_placeholders_filled():
    campaign = make_campaign(kind="both", sms_hi="{name} जी: {title} {line}", sms_en="{name}: {title}")
    hindi = make_contact(district="Sitapur", name="Asha")
    english = make_contact(district="Sitapur", name="Kavita", language_code="en")
    body = sending.sms_body(Delivery(campaign=campaign, contact=hindi, channel=Delivery.SMS))
    assert body == "Asha जी: Twin pits (hi) +15005550006"
    assert (
        sending.sms_body(Delivery(campaign=campaign, contact=english, channel=Delivery.SMS))
        == "Kavita: Twin pits (hi)"
    )


def test_a_retry_after_the_run_finished_reopens_it(clock, people, work, twilio_post):
    clock(monday(11))
    campaign = make_campaign(max_attempts="2")
    run = start(campaign)
    campaign_runs.tick(run.id)
    drain(work)
    late, *others = deliveries(run)
    for row in others:
        status_callbacks.record_call_status(row.id, {"CallSid": row.provider_sid, "CallStatus": "completed"})
    late.sent_at = utcnow() - timedelta(hours=status_callbacks.RESULT_WAIT_HOURS + 1)  # its result never came
    db.session.commit()
    assert campaign_runs.tick(run.id) is False
    twilio_post(f"/ivr/broadcast/{late.id}/status", {"CallSid": late.provider_sid, "CallStatus": "busy"})
    db.session.expire_all()
    assert (run.status, campaign.status) == (CampaignRun.RUNNING, Campaign.RUNNING)
    assert any(job_id.startswith(f"tick-{run.id}-") for job_id in get_queue("campaigns").job_ids)
