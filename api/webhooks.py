"""Webhook subscriptions and events: which URL hears what, and one delivery row per event and subscription."""

import json
import secrets
import uuid

from flask_babel import gettext
from rq import Retry
from sqlalchemy import delete, insert, select

from api.addresses import check_url
from api.formats import iso
from api.jobs import deliver_webhook
from api.models import WebhookDelivery, WebhookSubscription
from core import queue
from core.db import db, utcnow

EVENTS = (
    "story.published",
    "question.asked",
    "question.answered",
    "contact.opted_out",
    "contact.opted_in",
    "certificate.issued",
    "campaign.finished",
)
RETRY_INTERVALS = [30, 120, 600, 1800, 7200]  # about three hours of tries before it counts as failed


def subscribe(
    url: str, events: list[str], allow_private_host: bool, created_by_id: int | None
) -> WebhookSubscription:
    """A new subscription with its own signing secret; AddressRefusedError/ValueError if not allowed."""
    unknown = set(events) - set(EVENTS)
    if unknown or not events:
        raise ValueError(gettext("choose events from %(events)s", events=", ".join(EVENTS)))
    check_url(url.strip(), allow_private_host)
    subscription = WebhookSubscription(
        url=url.strip(),
        events=",".join(e for e in EVENTS if e in events),
        secret=secrets.token_hex(32),
        allow_private_host=allow_private_host,
        created_by_id=created_by_id,
    )
    db.session.add(subscription)
    return subscription


def deactivate(subscription_id: int) -> None:
    """Stop sending to a subscription (its delivery log stays); the caller commits."""
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is not None:
        subscription.active = False


def emit(connection, event: str, data: dict, event_key: str, contact_id: int | None = None) -> None:
    """Record the event for every active subscriber, inside the flush that caused it; sent after commit.

    event_key names the change (the same change seen twice is one event), so each subscriber gets
    exactly one delivery per event.
    """
    subscribers = connection.execute(
        select(WebhookSubscription.id, WebhookSubscription.events).where(WebhookSubscription.active)
    ).all()
    for subscription_id, events in subscribers:
        if event in events.split(","):
            _record(connection, subscription_id, event, data, f"{event}:{event_key}", contact_id)


def _record(connection, subscription_id: int, event: str, data: dict, event_id: str, contact_id) -> None:
    seen = select(WebhookDelivery.id).filter_by(subscription_id=subscription_id, event_id=event_id)
    if connection.execute(seen).first() is not None:
        return
    payload = json.dumps(
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),
            "event": event,
            "created_at": iso(utcnow()),
            "data": data,
        },
        sort_keys=True,
    )
    values = {
        "subscription_id": subscription_id,
        "event": event,
        "event_id": event_id,
        "payload": payload,
        "contact_id": contact_id,
        "status": WebhookDelivery.PENDING,
        "attempts": 0,
        "error": "",
        "created_at": utcnow(),
    }
    delivery_id = connection.execute(insert(WebhookDelivery).values(**values)).inserted_primary_key[0]
    retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
    queue.enqueue_after_commit("default", deliver_webhook, delivery_id, retry=retry)


def forget_contact(connection, contact_id: int) -> None:
    """Erasure: drop every delivery about the person, sent or not (their payloads name them)."""
    connection.execute(delete(WebhookDelivery).where(WebhookDelivery.contact_id == contact_id))


def all_subscriptions() -> list[WebhookSubscription]:
    """Every subscription, newest first, for the admin page."""
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())))


def recent_deliveries(limit: int = 200) -> list[WebhookDelivery]:
    """The newest deliveries, for the delivery log."""
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)))
