"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret."""

import hashlib
import hmac
import time

HEADER = "Chaupal-Signature"
TOLERANCE_SECONDS = 300  # receivers refuse older timestamps, so a captured delivery cannot be replayed


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The Chaupal-Signature value: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    """The receiver's check (the README's recipe): right signature and a fresh timestamp."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    if abs((time.time() if now is None else now) - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
