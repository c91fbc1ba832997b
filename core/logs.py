"""Logging that never prints a phone number."""

import logging
import re

PHONE_PATTERN = re.compile(r"(?<![\w+])\+?\d[\d -]{8,}\d(?!\w)")


def mask_numbers(text: str) -> str:
    """Replace anything shaped like a phone number with a masked form."""
    return PHONE_PATTERN.sub(lambda m: mask_phone(m.group()), text)


def mask_phone(number: str | None) -> str:
    """A phone number with all but its first 2 and last 4 digits hidden: +91••••••5678.

    Four digits at the end tell two people on one page apart (with two, every hundredth number looked
    the same); the middle six stay hidden.
    """
    digits = re.sub(r"\D", "", number or "")
    if len(digits) <= 6:
        return "•" * len(digits)
    return f"{'+' if number.startswith('+') else ''}{digits[:2]}{'•' * (len(digits) - 6)}{digits[-4:]}"


class MaskingFilter(logging.Filter):
    """Masks phone numbers in every record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_numbers(record.getMessage())
        record.args = ()
        return True


def configure_logging(app) -> None:
    """One line per event, numbers masked, level from the environment."""
    root = logging.getLogger()
    if not any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskingFilter())
        root.addHandler(handler)
    root.setLevel(logging.WARNING if app.config["TESTING"] else logging.INFO)
    # Twilio's client logs ten lines (URL, headers, status) per REST call at INFO; failures reach us as errors.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    app.logger.handlers.clear()
    app.logger.propagate = True
