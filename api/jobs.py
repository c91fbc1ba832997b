"""RQ entry points of the API package: plain functions taking ids."""

from api import sender


def deliver_webhook(delivery_id: int) -> None:
    """Send one webhook delivery (RQ retries it with backoff when the receiver fails)."""
    sender.deliver(delivery_id)
