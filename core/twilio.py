"""The only module that talks to Twilio: REST calls out, signature checks in."""

import functools
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import requests
from flask import abort, current_app, request
from sqlalchemy.exc import DataError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from core.auth import csrf
from core.db import db, mark_webhook

log = logging.getLogger(__name__)

REST_TIMEOUT_SECONDS = 10
# Twilio error codes that no retry can fix.
PERMANENT_CODES = {21211, 21214, 21217, 21219, 21401, 21407, 21408, 21604, 21610, 21612, 21614}
UNSUBSCRIBED_CODE = 21610
# Twilio's SIDs are two letters and 32 hex digits; anything far from that shape is not from Twilio.
SID_SHAPE = re.compile(r"[A-Za-z]{2}[A-Za-z0-9]{8,62}")
LARGEST_ID = 2**31 - 1  # the database's integer: a larger id in a URL names nothing


def is_sid(value: str | None) -> bool:
    """True for a value shaped like a Twilio SID (safe to store and to look up)."""
    return bool(value and SID_SHAPE.fullmatch(value))


def row_id(value) -> int | None:
    """A positive database id from a URL or form value, or None for anything else (huge, negative, text)."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < int(text) <= LARGEST_ID else None


class TwilioNotConfiguredError(RuntimeError):
    """TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set."""


class TwilioError(RuntimeError):
    """A REST call failed; `permanent` says whether trying again can help."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT_CODES or self.status in (400, 401, 403, 404)


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


def is_configured() -> bool:
    """True when REST credentials are set."""
    config = current_app.config
    return bool(config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"])


def preload() -> None:
    """Import the REST client's lazily loaded resources now, not inside the first rate-timed send."""
    import twilio.rest.api.v2010.account  # noqa: F401 - the import is the point


def rest_client() -> Client:
    """A REST client with a timeout, pointed at TWILIO_API_BASE_URL; one per thread and process.

    Keeping it keeps its HTTP connections open between sends (a new client per send costs a
    TCP and TLS handshake each time); a forked process, new settings or a new timeout get a fresh one.
    """
    if not is_configured():
        raise TwilioNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set")
    config = current_app.config
    key = (
        os.getpid(),
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_AUTH_TOKEN"],
        config["TWILIO_API_BASE_URL"],
        REST_TIMEOUT_SECONDS,
    )
    cached = getattr(_clients, "cached", None)
    if cached is None or cached[0] != key:
        _clients.cached = cached = (key, _new_client(*key[1:]))
    return cached[1]


_clients = threading.local()


def _new_client(account_sid: str, auth_token: str, base_url: str, timeout: float) -> Client:
    proxies = requests.utils.get_environ_proxies(base_url)
    http_client = TwilioHttpClient(timeout=timeout, proxy=proxies)
    # requests reads proxy and CA settings from the environment again on every request (a fifth of a
    # campaign send's CPU): they are read once, here, for the one host this client talks to.
    assert http_client.session is not None  # pooled connections: one session per client
    http_client.session.trust_env = False
    http_client.session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    client = Client(account_sid, auth_token, http_client=http_client)
    # No edge or region: either would rewrite the configured host.
    client.edge = client.region = None
    client.api.base_url = base_url.rstrip("/")
    return client


def _call_rest(action: str, make_request):
    try:
        return make_request()
    except TwilioRestException as error:
        raise TwilioError(f"{action}: {error.msg}", code=error.code, status=error.status) from error
    except TwilioException as error:  # the client's own errors (an unreadable page, a bad reply)
        raise TwilioError(f"{action}: {error}") from error


def send_sms(to: str, body: str, status_callback: str | None = None) -> Sent:
    """Send one SMS; returns the message SID and first status."""
    params = {"to": to, "from_": current_app.config["TWILIO_CALLER_ID"], "body": body}
    if status_callback:
        params["status_callback"] = status_callback
    message = _call_rest("send SMS", lambda: rest_client().messages.create(**params))
    return Sent(message.sid, message.status)


def place_call(to: str, url: str, status_callback: str | None = None, **options) -> Sent:
    """Start an outbound call that fetches its TwiML from url."""
    params = {"to": to, "from_": current_app.config["TWILIO_CALLER_ID"], "url": url, **options}
    if status_callback:
        params["status_callback"] = status_callback
        params.setdefault("status_callback_event", ["initiated", "ringing", "answered", "completed"])
    call = _call_rest("place call", lambda: rest_client().calls.create(**params))
    return Sent(call.sid, call.status)


def recent_sends(kind: str, to: str, since: datetime) -> list[Sent]:
    """Calls ('call') or SMS ('sms') from our number to `to` created at or after `since`, newest first.

    Twilio REST has no idempotency key: after a crash or a read timeout this tells whether a send
    went through, so its SID is stored instead of sending twice.
    """
    client = rest_client()
    resource = client.calls if kind == "call" else client.messages
    params = {"to": to, "from_": current_app.config["TWILIO_CALLER_ID"], "limit": 20}
    found = _call_rest(f"look up {kind}s", lambda: resource.list(**params))
    return [Sent(item.sid, item.status) for item in found if item.date_created and item.date_created >= since]


def delete_recording(recording_sid: str) -> bool:
    """Delete a recording at Twilio; True if it is gone (deleted now or before)."""
    try:
        return _call_rest("delete recording", lambda: rest_client().recordings(recording_sid).delete())
    except TwilioError as error:
        if error.status == 404:
            return True
        raise


def api_host() -> str:
    """The host REST calls and recording downloads may go to."""
    return urlsplit(current_app.config["TWILIO_API_BASE_URL"]).netloc


def basic_auth() -> tuple[str, str]:
    """Credentials for downloading recordings."""
    return current_app.config["TWILIO_ACCOUNT_SID"], current_app.config["TWILIO_AUTH_TOKEN"]


def public_url(path: str) -> str:
    """An absolute URL on the public base URL that Twilio reaches."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def signed_url() -> str:
    """The URL Twilio signed: public base + path + the raw query string (never request.url)."""
    query = request.environ.get("QUERY_STRING", "")
    return public_url(request.path) + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    """Check X-Twilio-Signature of the current request; fails closed without a token."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        log.error("webhook refused: TWILIO_AUTH_TOKEN is not set")
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form if request.method == "POST" else {}
    return RequestValidator(token).validate(signed_url(), params, signature)


def compute_signature(url: str, params: dict) -> str:
    """The signature Twilio would send for a POST of params to url."""
    return RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)


def webhook(view):
    """Decorate a view Twilio calls: 403 unless the signature is valid; no CSRF token needed."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not signature_is_valid():
            abort(403)
        mark_webhook()
        # A webhook commits as it goes (a call row, a step) and then reads on: expiring every row at
        # each commit made it read the call and caller again (a third of a step's statements). Its rows
        # are its own for the few milliseconds it lasts, so they are kept; a rollback still expires them.
        session = db.session()
        expiring = session.expire_on_commit
        session.expire_on_commit = False
        try:
            return view(*args, **kwargs)
        except DataError as error:
            # A value the database refuses (too long, out of range, a NUL byte) is a bad request.
            db.session.rollback()
            log.warning("webhook %s refused a value: %s", request.path, str(error.orig).splitlines()[0])
            abort(400)
        finally:
            session.expire_on_commit = expiring

    return csrf.exempt(checked)
