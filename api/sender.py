"""Sending one webhook delivery: checked address, signed body, no redirects, a short timeout."""

import logging

import requests
from flask import current_app

from api import signing
from api.addresses import AddressRefusedError, check_url
from api.models import WebhookDelivery
from core.db import db, utcnow
from core.models import Contact

log = logging.getLogger(__name__)
CONNECT_TIMEOUT, READ_TIMEOUT = 5, 10


class WebhookFailedError(RuntimeError):
    """The receiver did not take the delivery (no answer or not 2xx): RQ tries again later."""


def deliver(delivery_id: int) -> None:
    """Send one delivery; raise WebhookFailedError for RQ's retry when the receiver did not take it."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in (WebhookDelivery.DELIVERED, WebhookDelivery.REFUSED):
        return
    if delivery.contact_id is not None and db.session.get(Contact, delivery.contact_id) is None:
        db.session.delete(delivery)  # the person was erased: nothing more is sent about them
        db.session.commit()
        return
    if not delivery.subscription.active:
        return
    _send(delivery)


def _send(delivery: WebhookDelivery) -> None:
    subscription = delivery.subscription
    delivery.attempts += 1
    try:
        check_url(subscription.url, subscription.allow_private_host)
        response = _post(subscription.url, subscription.secret, delivery)
    except AddressRefusedError as error:
        _finish(delivery, WebhookDelivery.REFUSED, error=str(error))
        return
    except requests.RequestException as error:
        _failed(delivery, None, f"{type(error).__name__}")
    if not 200 <= response.status_code < 300:
        _failed(delivery, response.status_code, f"HTTP {response.status_code}")
    _finish(delivery, WebhookDelivery.DELIVERED, response.status_code)


def _post(url: str, secret: str, delivery: WebhookDelivery) -> requests.Response:
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Chaupal-Webhooks ({current_app.config['PUBLIC_BASE_URL']})",
        "Chaupal-Event": delivery.event,
        "Chaupal-Delivery": str(delivery.id),
        signing.HEADER: signing.signature_header(secret, body),
    }
    return requests.post(url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                         allow_redirects=False)  # fmt: skip


def _finish(delivery: WebhookDelivery, status: str, code: int | None = None, error: str = "") -> None:
    delivery.status, delivery.response_code, delivery.error = status, code, error
    if status == WebhookDelivery.DELIVERED:
        delivery.delivered_at = utcnow()
    db.session.commit()


def _failed(delivery: WebhookDelivery, code: int | None, error: str) -> None:
    _finish(delivery, WebhookDelivery.FAILED, code, error)
    log.warning("webhook delivery %s (%s) failed: %s", delivery.id, delivery.event, error)
    raise WebhookFailedError(f"webhook delivery {delivery.id}: {error}")
