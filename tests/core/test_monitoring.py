"""Operators' view: /metrics behind a token (webhook latency, queues, job failures, sends, recordings); failed jobs."""

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq.registry import FailedJobRegistry

from audio.models import Recording
from campaigns import jobs as campaign_jobs
from campaigns.models import CampaignRun, Delivery
from core import queue, workers
from core.db import db, utcnow
from tests.campaigns_fixtures import make_campaign
from tests.factories import make_contact
from tests.helpers import ACCOUNT_SID, csrf_token
from tests.ivr_fixtures import sid

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def metrics(app, client, monkeypatch):
    """metrics() -> {(name, labels...): value} as Prometheus reads /metrics."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def read() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        samples = {}
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for sample in family.samples:
                samples[(sample.name, *sorted(sample.labels.items()))] = sample.value
        return samples

    return read


def test_metrics_need_the_token(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 404  # off without a token
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_webhook_latency_is_a_histogram_per_route(metrics, twilio_post):
    route = ("route", "/ivr/voice")
    before = metrics().get(("chaupal_webhook_seconds_count", route), 0)
    call = {
        "CallSid": sid("CA"),
        "AccountSid": ACCOUNT_SID,
        "From": "+919800070001",
        "To": "+18005550100",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    assert twilio_post("/ivr/voice", call).status_code == 200
    after = metrics()
    assert after[("chaupal_webhook_seconds_count", route)] == before + 1
    assert after[("chaupal_webhook_seconds_bucket", ("le", "15.0"), route)] >= before + 1
    assert after[("chaupal_webhook_answers_total", route, ("status", "200"))] >= 1


def test_queue_depths_failures_sends_and_recordings(app, metrics):
    campaigns = queue.get_queue("campaigns")
    campaigns.enqueue(campaign_jobs.tick_run, 0)
    assert metrics()[("chaupal_queue_depth", ("queue", "campaigns"))] == 1
    campaigns.enqueue(math.sqrt, -1)  # fails: ValueError, math domain error
    db.session.add(Recording(recording_sid=sid("RE"), kind=Recording.STORY, status=Recording.READY))
    db.session.commit()
    workers.run_worker(app, ["campaigns"], burst=True, with_scheduler=False)
    samples = metrics()
    assert samples[("chaupal_queue_depth", ("queue", "campaigns"))] == 0
    assert samples[("chaupal_queue_failed_jobs", ("queue", "campaigns"))] == 1
    assert samples[("chaupal_job_failures_total", ("queue", "campaigns"))] >= 1
    assert samples[("chaupal_recordings", ("kind", "story"), ("status", "ready"))] == 1


def test_sends_per_status(app, metrics):
    campaign = make_campaign()
    run = CampaignRun(campaign_id=campaign.id, scheduled_for=utcnow())
    db.session.add(run)
    db.session.flush()
    for n, state in enumerate([Delivery.QUEUED, Delivery.QUEUED, Delivery.FAILED]):
        contact = make_contact(phone=f"+9198000800{n:02d}")
        db.session.add(
            Delivery(
                run_id=run.id, campaign_id=campaign.id, contact_id=contact.id, channel="voice", state=state
            )
        )
    db.session.commit()
    samples = metrics()
    assert samples[("chaupal_campaign_sends", ("channel", "voice"), ("state", Delivery.QUEUED))] == 2
    assert samples[("chaupal_campaign_sends", ("channel", "voice"), ("state", Delivery.FAILED))] == 1


def test_admins_see_failed_jobs_and_retry_one(app, client, login):
    campaigns = queue.get_queue("campaigns")
    job = campaigns.enqueue(math.sqrt, -1)
    workers.run_worker(app, ["campaigns"], burst=True, with_scheduler=False)
    assert job.id in FailedJobRegistry(queue=campaigns).get_job_ids()
    login("admin")
    page = client.get("/admin/failed-jobs/").get_data(as_text=True)
    assert "math.sqrt" in page and "ValueError" in page and "Retry" in page
    token = csrf_token(client, "/admin/failed-jobs/")
    response = client.post(f"/admin/failed-jobs/campaigns/{job.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert job.id not in FailedJobRegistry(queue=campaigns).get_job_ids() and job.id in campaigns.job_ids


def test_only_admins_see_failed_jobs(client, login):
    login("curator")
    assert client.get("/admin/failed-jobs/").status_code == 403
