"""Sending one delivery, at most once: checks at send time, the provider call, failures and their reasons."""

import logging

import requests
from flask import current_app

from audio.models import Lesson
from campaigns import dispatch, schedule, sms
from campaigns.models import Campaign, CampaignRun, Delivery
from core import people
from core.db import db, utcnow
from core.logs import mask_phone
from core.models import Contact, SuppressionEvent
from core.twilio import UNSUBSCRIBED_CODE, TwilioError

log = logging.getLogger(__name__)


REASONS = {
    "opted_out": "the contact opted out before sending",
    "campaign_cancelled": "the campaign was cancelled",
    "no_answer": "did not answer",
    "busy": "line busy",
    "machine": "an answering machine picked up",
    "no_content": "the lesson or story is no longer published",
    "twilio_21211": "not a valid phone number",
    "twilio_21214": "the number cannot be reached",
    "twilio_21610": "the person unsubscribed (replied STOP)",
    "twilio_21612": "Twilio cannot reach this number from our sender",
    "twilio_21614": "not a mobile number",
    "twilio_30003": "the phone was switched off or out of coverage",
    "twilio_30005": "unknown or inactive number",
    "twilio_30006": "a landline or a carrier that cannot take SMS",
    "twilio_30007": "the carrier filtered the message",
    "twilio_30008": "unknown delivery error at the carrier",
}


def send(delivery_id: int) -> None:
    """Send one outbox row at most once: claim, reconcile if interrupted, check, rate-limit, send."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.state not in (Delivery.QUEUED, Delivery.SENDING):
        return
    interrupted, claimed_before = delivery.state == Delivery.SENDING, delivery.claimed_at
    token = dispatch.claim(delivery)
    if token is None:
        return
    if interrupted and _reconciled(delivery, claimed_before):
        return
    if not _may_send(delivery):
        return
    body = sms_body(delivery) if delivery.channel == Delivery.SMS else ""
    cost = sms.measure(body).segments if body else 1
    # Database work comes first: between booking the rate slot and the REST call nothing may wait.
    # A claim made a moment ago is fresh; after reconciling (REST calls that may have been slow) it
    # is refreshed, so the rate wait starts with a whole CLAIM_SECONDS ahead of it either way.
    if interrupted and not dispatch.still_ours(delivery, token):
        return
    dispatch.load_for_sending(delivery)
    if not dispatch.acquire(delivery.channel, cost):
        dispatch.requeue(delivery)
        return
    if not dispatch.in_window(delivery):  # the wait for the rate limit crossed the window's end
        dispatch.requeue(delivery, _next_opening(delivery))
        return
    delivery.segments = cost if body else None
    try:
        dispatch.send_claimed(delivery, body)
    except TwilioError as error:
        if not error.permanent:
            raise
        mark_failed(delivery, error.code, str(error))


def _reconciled(delivery: Delivery, claimed_before) -> bool:
    try:
        return dispatch.reconcile(delivery, claimed_before)
    except (TwilioError, requests.RequestException):
        dispatch.release_unknown(delivery)
        raise


def _may_send(delivery: Delivery) -> bool:
    """Checks made at send time, not only when the audience was built; False if not sending now."""
    campaign, contact = delivery.campaign, delivery.contact
    if contact.opted_out_at is not None:
        return _close(delivery, Delivery.SKIPPED, "opted_out")
    if campaign.status == Campaign.CANCELLED or delivery.run.status == CampaignRun.CANCELLED:
        return _close(delivery, Delivery.CANCELED, "campaign_cancelled")
    if not delivery.run.is_test and campaign.status == Campaign.PAUSED:
        dispatch.requeue(delivery)
        return False
    early = not delivery.run.is_test and delivery.not_before > schedule.now()
    if early or not dispatch.in_window(delivery):
        dispatch.requeue(delivery, max(delivery.not_before, _next_opening(delivery)))
        return False
    return True


def _next_opening(delivery: Delivery):
    return schedule.campaign_window(delivery.campaign).next_opening(schedule.now())


def _close(delivery: Delivery, state: str, reason: str) -> bool:
    delivery.state = state
    delivery.reason = reason
    delivery.reason_detail = REASONS.get(reason, "")
    delivery.claim_token = None
    delivery.finished_at = utcnow()
    db.session.commit()
    return False


def mark_failed(delivery: Delivery, code: int | None, detail: str) -> None:
    """A send Twilio refused for good: failed with a readable reason; 21610 opts the contact out."""
    for name, value in failure(code, detail).items():
        setattr(delivery, name, value)
    if code == UNSUBSCRIBED_CODE:
        carrier_opt_out(delivery.contact)
    db.session.commit()
    log.info("delivery %s to %s failed: %s", delivery.id, mask_phone(delivery.contact.phone), delivery.reason)


def failure(code: int | None, detail: str) -> dict:
    """The columns of a delivery Twilio refused for good, its readable reason among them."""
    reason = f"twilio_{code}" if code else "refused"
    return {
        "state": Delivery.FAILED,
        "error_code": code,
        "reason": reason,
        "reason_detail": REASONS.get(reason, detail)[:500],
        "claim_token": None,
        "finished_at": utcnow(),
    }


def carrier_opt_out(contact: Contact) -> None:
    """The carrier says the person unsubscribed (Twilio 21610): the one suppression list, with its history row."""
    people.opt_out(contact, SuppressionEvent.CARRIER)


def sms_body(delivery: Delivery) -> str:
    """The campaign's SMS in the contact's language (or the default one), placeholders filled."""
    contact = delivery.contact
    values = placeholder_values(delivery.campaign, contact)
    return sms_text(delivery.campaign.templates, contact.language_code, values)


def sms_text(templates: dict[str, str], language_code: str | None, values: dict[str, str]) -> str:
    """The template for the language (or the default one, or any), placeholders filled."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    template = templates.get(language_code or default) or templates.get(default)
    template = template or next(iter(templates.values()), "")
    return sms.render(template, values)


def placeholder_values(campaign: Campaign, contact: Contact | None) -> dict[str, str]:
    """Values for the SMS placeholders."""
    return {
        "name": (contact.name if contact else "") or "",
        "district": contact.district.name_in(contact.language_code) if contact and contact.district else "",
        "title": lesson_title(campaign.lesson_id, contact.language_code if contact else None),
        "line": line_number(),
    }


def line_number() -> str:
    """The number an SMS tells people to call."""
    return current_app.config["CHAUPAL_LINE_NUMBER"] or current_app.config["TWILIO_CALLER_ID"]


def lesson_title(lesson_id: int | None, language_code: str | None) -> str:
    """The title of a campaign's lesson or story in the language (its first track's otherwise); "" without one."""
    lesson = db.session.get(Lesson, lesson_id) if lesson_id else None
    if lesson is None or not lesson.tracks:
        return ""
    track = next((t for t in lesson.tracks if t.language_code == language_code), lesson.tracks[0])
    return track.title
