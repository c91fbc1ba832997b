"""Outgoing webhooks to a loopback receiver: signed, retried after a 500, never to private addresses
unless allowed, one delivery per event, none about an erased person."""

import hashlib
import hmac
import ipaddress
import json
import re
import time

import pytest
from sqlalchemy import func, select

from api import webhooks
from api.addresses import AddressRefusedError, check_url
from api.models import WebhookDelivery
from audio import lesson_library
from audio.models import Lesson
from campaigns.models import CampaignRun
from core import people, queue
from core.db import db, utcnow
from tests.campaigns_fixtures import make_campaign, make_lesson
from tests.factories import make_contact
from tests.helpers import csrf_token


def verify(secret: str, body: bytes, header: str) -> bool:
    """The README's recipe, written out as a receiver would."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= 300


def subscribe(url: str, *events: str, allow_private_host: bool = True):
    subscription = webhooks.subscribe(url, list(events), allow_private_host, None)
    db.session.commit()
    return subscription


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.fixture
def fast_retries(monkeypatch):
    """Retry at once: RQ re-queues a job with interval 0 without waiting for the scheduler."""
    monkeypatch.setattr(webhooks, "RETRY_INTERVALS", [0, 0, 0])


def test_an_admin_subscribes_and_an_opt_out_arrives_signed(client, login, api, make_token, receiver, work):
    login("admin")
    form = {
        "csrf_token": csrf_token(client, "/admin/api/webhooks"),
        "url": receiver.url,
        "events": ["contact.opted_out", "contact.opted_in"],
        "allow_private_host": "1",
    }
    html = client.post("/admin/api/webhooks", data=form).get_data(as_text=True)
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', html).group(1)
    assert secret not in client.get("/admin/api/webhooks").get_data(as_text=True)
    person = make_contact(district="Sitapur")
    api("POST", f"/contacts/{person.id}/opt-out", make_token("write"), json={"opted_out": True})
    work("default")
    [(headers, body)] = receiver.received
    assert verify(secret, body, headers["Chaupal-Signature"])
    assert not verify(secret, body + b" ", headers["Chaupal-Signature"])
    payload = json.loads(body)
    assert payload["event"] == "contact.opted_out" and payload["data"]["contact_id"] == person.id
    assert [d.status for d in deliveries()] == ["delivered"]
    log_page = client.get("/admin/api/webhooks/deliveries").get_data(as_text=True)
    assert "contact.opted_out" in log_page and "delivered" in log_page


def test_a_500_is_retried_until_the_receiver_takes_it(receiver, work, fast_retries):
    subscribe(receiver.url, "contact.opted_out")
    receiver.answers.extend([500, 500])
    person = make_contact()
    people.opt_out(person, "sms")
    db.session.commit()
    work("default")
    assert len(receiver.received) == 3
    assert len({body for _, body in receiver.received}) == 1  # the same event each time
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)


def test_a_receiver_that_keeps_failing_ends_failed_in_the_log(receiver, work, fast_retries):
    subscribe(receiver.url, "contact.opted_out")
    receiver.answers.extend([503] * 10)
    people.opt_out(make_contact(), "sms")
    db.session.commit()
    work("default")
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 4, 503)
    assert queue.get_queue("default").failed_job_registry.count == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://192.168.0.9/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "ftp://93.184.216.34/x",
        "http://user:pw@93.184.216.34/x",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(AddressRefusedError):
        check_url(url)
    with pytest.raises(ValueError):
        webhooks.subscribe(url, ["contact.opted_out"], False, None)


def test_a_public_address_is_accepted():
    check_url("https://93.184.216.34/hooks")


def test_nothing_is_sent_to_a_private_address_once_it_is_no_longer_allowed(receiver, work):
    subscription = subscribe(receiver.url, "contact.opted_out")
    subscription.allow_private_host = False
    db.session.commit()
    people.opt_out(make_contact(), "sms")
    db.session.commit()
    work("default")
    assert receiver.received == []
    [delivery] = deliveries()
    assert delivery.status == "refused" and "private" in delivery.error


def test_one_delivery_per_event_and_subscriber(receiver, work):
    subscribe(receiver.url, "contact.opted_out")
    subscribe(receiver.url + "?second", "contact.opted_out", "contact.opted_in")
    person = make_contact()
    people.opt_out(person, "sms")
    db.session.commit()
    people.opt_out(person, "ivr")  # already out: no new event
    db.session.commit()
    work("default")
    work("default")
    assert len(receiver.received) == 2 and len(deliveries()) == 2
    people.opt_in(person, "staff")
    db.session.commit()
    work("default")
    assert [d.event for d in deliveries()] == ["contact.opted_out", "contact.opted_out", "contact.opted_in"]


def test_erasure_removes_pending_deliveries_and_sends_nothing_more(receiver, work):
    subscribe(receiver.url, "contact.opted_out")
    person = make_contact()
    people.opt_out(person, "sms")
    db.session.commit()
    assert len(deliveries()) == 1
    people.delete_contact(person.id)
    db.session.commit()
    work("default")
    assert receiver.received == [] and deliveries() == []


def test_stories_published_and_campaigns_finished_are_reported(receiver, work):
    story = make_lesson(kind=Lesson.STORY)
    story.status = Lesson.DRAFT
    db.session.commit()
    subscribe(receiver.url, "story.published", "campaign.finished")
    lesson_library.set_lesson_status(story.id, Lesson.PUBLISHED)
    campaign = make_campaign()
    run = CampaignRun(campaign_id=campaign.id, scheduled_for=utcnow())
    db.session.add(run)
    db.session.commit()
    run.status = CampaignRun.DONE
    run.finished_at = utcnow()
    db.session.commit()
    work("default")
    events = sorted(json.loads(body)["event"] for _, body in receiver.received)
    assert events == ["campaign.finished", "story.published"]
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2


def test_only_admins_manage_webhooks(client, login):
    login("curator")
    assert client.get("/admin/api/webhooks").status_code == 403
    assert client.get("/admin/api/webhooks/deliveries").status_code == 403


def test_questions_asked_and_answered_are_reported_without_the_callers_number(receiver, work):
    from audio.models import Recording
    from transcription.models import Question

    subscribe(receiver.url, "question.asked", "question.answered")
    caller = make_contact(phone="+919811122233")
    recording = Recording(contact_id=caller.id, kind=Recording.QUESTION, status=Recording.READY)
    db.session.add(recording)
    db.session.flush()
    question = Question(recording_id=recording.id)
    db.session.add(question)
    db.session.commit()
    question.status = Question.ANSWERED
    question.answered_at = utcnow()
    db.session.commit()
    work("default")
    bodies = [json.loads(body) for _, body in receiver.received]
    assert sorted(b["event"] for b in bodies) == ["question.answered", "question.asked"]
    assert all(b["data"]["question_id"] == question.id for b in bodies)
    assert not any("9811122233" in body.decode() for _, body in receiver.received)


def test_the_checked_address_is_the_one_connected_to(receiver, work, monkeypatch):
    """A name is resolved once and checked; the post goes to that address with the name as Host."""
    from api import addresses

    port = receiver.server.server_port
    subscribe(receiver.url, "contact.opted_out")

    def resolve(host, port_number):
        return {ipaddress.ip_address("127.0.0.1")}

    monkeypatch.setattr(addresses, "_addresses", resolve)
    subscription = db.session.scalar(select(webhooks.WebhookSubscription))
    subscription.url = f"http://hooks.invalid:{port}/hooks"
    db.session.commit()
    people.opt_out(make_contact(), "sms")
    db.session.commit()
    work("default")
    [(headers, _)] = receiver.received
    # .invalid never resolves: the post arrived only through the checked (pinned) address
    assert headers["Host"] == f"hooks.invalid:{port}"


def test_https_is_pinned_too_and_still_checks_the_certificate_name():
    import requests

    from api.sender import PinnedAdapter

    request = requests.Request("POST", "https://hooks.example.org/in").prepare()
    host_params, pool_kwargs = PinnedAdapter("93.184.216.34").build_connection_pool_key_attributes(
        request, True
    )
    assert host_params["host"] == "93.184.216.34"
    assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "hooks.example.org"


def test_a_name_that_stops_resolving_is_tried_again_not_refused(receiver, work, fast_retries):
    subscription = subscribe(receiver.url, "contact.opted_out")
    subscription.url = "http://no-such-host.invalid/hooks"
    db.session.commit()
    people.opt_out(make_contact(), "sms")
    db.session.commit()
    work("default")
    [delivery] = deliveries()
    assert delivery.status == "failed" and delivery.attempts == 4 and "resolve" in delivery.error
