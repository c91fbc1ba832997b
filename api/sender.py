"""Sending one webhook delivery: checked address, signed body, no redirects, a short timeout."""

import logging
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter

from api import signing
from api.addresses import AddressRefusedError, HostNotFoundError, check_url
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
        address = check_url(subscription.url, subscription.allow_private_host)
        response = _post(subscription.url, address, subscription.secret, delivery)
    except AddressRefusedError as error:
        _finish(delivery, WebhookDelivery.REFUSED, error=str(error))
        return
    except HostNotFoundError as error:
        _failed(delivery, None, str(error))
    except requests.RequestException as error:
        _failed(delivery, None, f"{type(error).__name__}")
    if not 200 <= response.status_code < 300:
        _failed(delivery, response.status_code, f"HTTP {response.status_code}")
    _finish(delivery, WebhookDelivery.DELIVERED, response.status_code)


class PinnedAdapter(HTTPAdapter):
    """Connects to the address that was checked, not to whatever the name resolves to a moment later
    (a name that resolved to a public address once must not lead to a private one when sending)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """The pool for the checked address; TLS still checks the certificate against the host name."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        hostname = host_params["host"]
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": hostname, "assert_hostname": hostname}
        return {**host_params, "host": self.address}, pool_kwargs


def _post(url: str, address: str, secret: str, delivery: WebhookDelivery) -> requests.Response:
    body = delivery.payload.encode()
    headers = {
        "Host": urlsplit(url).netloc,
        "Content-Type": "application/json",
        "User-Agent": f"Chaupal-Webhooks ({current_app.config['PUBLIC_BASE_URL']})",
        "Chaupal-Event": delivery.event,
        "Chaupal-Delivery": str(delivery.id),
        signing.HEADER: signing.signature_header(secret, body),
    }
    with requests.Session() as session:
        session.trust_env = False  # straight to the checked address: no proxy from the environment
        session.mount("http://", PinnedAdapter(address))
        session.mount("https://", PinnedAdapter(address))
        return session.post(
            url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=False
        )


def _finish(delivery: WebhookDelivery, status: str, code: int | None = None, error: str = "") -> None:
    delivery.status = status
    delivery.response_code = code
    delivery.error = error
    if status == WebhookDelivery.DELIVERED:
        delivery.delivered_at = utcnow()
    db.session.commit()


def _failed(delivery: WebhookDelivery, code: int | None, error: str) -> None:
    _finish(delivery, WebhookDelivery.FAILED, code, error)
    log.warning("webhook delivery %s (%s) failed: %s", delivery.id, delivery.event, error)
    raise WebhookFailedError(f"webhook delivery {delivery.id}: {error}")
