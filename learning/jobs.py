"""RQ entry points of the learning engine: plain functions taking ids (or nothing, for periodic ones)."""

import logging

from core import queue
from learning import certificates, outreach

log = logging.getLogger(__name__)


def send_certificate_sms(certificate_id: int) -> None:
    """Send a certificate's SMS (once; quietly nothing if the certificate is gone)."""
    certificates.send_sms(certificate_id)


def plan_learning_calls() -> dict[str, int]:
    """Start the weekly lesson calls whose slot has come and the refresher calls due today."""
    counts = {"lesson_calls": outreach.plan_weekly_lessons(), "refresher_calls": outreach.plan_refreshers()}
    log.info("learning calls planned: %s", counts)
    return counts


# `chaupal cron` enqueues these once per interval, however many cron processes run.
PERIODIC = [queue.Periodic(plan_learning_calls, every_seconds=900)]
