"""Reports on campaigns: SMS length preview, progress, the delivery CSV and sends per status."""

from collections import Counter
from decimal import Decimal

from babel.numbers import get_currency_symbol
from flask import current_app
from flask_babel import get_locale, gettext, lazy_gettext
from sqlalchemy import and_, func, select

from campaigns import campaign_words, schedule, sms
from campaigns.models import Campaign, CampaignRun, Delivery
from core import csv_export
from core.db import db
from core.logs import mask_phone


def sms_preview(text: str) -> dict:
    """Characters, encoding, segments and estimated cost per recipient of an SMS text."""
    size = sms.measure(text)
    price = Decimal(str(current_app.config["SMS_PRICE_PER_SEGMENT"]))
    return {
        "characters": size.characters,
        "encoding": size.encoding,
        "segments": size.segments,
        "cost": f"{size.cost(price):.4f}",
        "currency": current_app.config["SMS_PRICE_CURRENCY"],
    }


def currency_symbol() -> str:
    """The SMS price's currency as the reader writes it ($, ₹), not its code."""
    return get_currency_symbol(current_app.config["SMS_PRICE_CURRENCY"], str(get_locale() or "en"))


def preview_words(preview: dict) -> str:
    """The SMS preview said plainly for the form, in the page's language (no encodings)."""
    return gettext(
        "%(characters)s characters · %(segments)s segment(s) · about %(cost)s per person",
        characters=preview["characters"],
        segments=preview["segments"],
        cost=currency_symbol() + preview["cost"],
    )


def _latest_attempts(campaign_id: int):
    latest = (
        select(
            Delivery.run_id,
            Delivery.contact_id,
            Delivery.channel,
            func.max(Delivery.attempt).label("attempt"),
        )
        .join(CampaignRun, CampaignRun.id == Delivery.run_id)
        .where(Delivery.campaign_id == campaign_id, CampaignRun.is_test.is_(False))
        .group_by(Delivery.run_id, Delivery.contact_id, Delivery.channel)
        .subquery()
    )
    return select(Delivery).join(
        latest,
        and_(
            Delivery.run_id == latest.c.run_id,
            Delivery.contact_id == latest.c.contact_id,
            Delivery.channel == latest.c.channel,
            Delivery.attempt == latest.c.attempt,
        ),
    )


def progress(campaign: Campaign) -> dict:
    """Live counts over each recipient's latest attempt: by state, by failure reason, listened-through."""
    rows = db.session.execute(
        _latest_attempts(campaign.id).with_only_columns(
            Delivery.channel, Delivery.state, Delivery.reason, Delivery.listened_at.is_not(None)
        )
    ).all()
    states = Counter((channel, state) for channel, state, _reason, _heard in rows)
    reasons = Counter(
        campaign_words.reason_name(reason)
        for _c, state, reason, _h in rows
        if state in _UNSUCCESSFUL and reason
    )
    attempts = db.session.scalar(select(func.count()).where(Delivery.campaign_id == campaign.id))
    return {
        "recipients": len(rows),
        "attempts": attempts,
        "states": {f"{channel}:{state}": n for (channel, state), n in sorted(states.items())},
        "queued": sum(1 for r in rows if r.state in (Delivery.QUEUED, Delivery.SENDING)),
        "sent": sum(1 for r in rows if r.state in Delivery.IN_FLIGHT),
        "reached": sum(1 for r in rows if r.state in (Delivery.COMPLETED, Delivery.DELIVERED)),
        "listened": sum(1 for r in rows if r[3]),
        "unsuccessful": sum(1 for r in rows if r.state in _UNSUCCESSFUL),
        "reasons": dict(reasons.most_common()),
    }


_UNSUCCESSFUL = (
    Delivery.NO_ANSWER,
    Delivery.BUSY,
    Delivery.FAILED,
    Delivery.UNDELIVERED,
    Delivery.CANCELED,
    Delivery.SKIPPED,
)


# the delivery CSV's columns, in the language of the person downloading it
EXPORT_COLUMNS = (
    lazy_gettext("run"),
    lazy_gettext("contact"),
    lazy_gettext("name"),
    lazy_gettext("district"),
    lazy_gettext("channel"),
    lazy_gettext("attempt"),
    lazy_gettext("state"),
    lazy_gettext("reason"),
    lazy_gettext("sent_at"),
    lazy_gettext("answered_at"),
    lazy_gettext("listened_through"),
    lazy_gettext("feedback"),
    lazy_gettext("duration_seconds"),
)


def export_csv(campaign: Campaign) -> str:
    """Every attempt of the campaign as CSV (numbers masked), in local time."""
    query = select(Delivery).where(Delivery.campaign_id == campaign.id).order_by(Delivery.run_id, Delivery.id)
    return csv_export.csv_text(
        [str(column) for column in EXPORT_COLUMNS], (_export_row(d) for d in db.session.scalars(query))
    )


def _export_row(d: Delivery) -> list:
    local = schedule.zone()

    def when(moment):
        return moment.astimezone(local).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    district = d.contact.district.name if d.contact.district else ""
    return [
        d.run_id,
        mask_phone(d.contact.phone),
        d.contact.name,
        district,
        d.channel,
        d.attempt,
        d.state,
        d.reason_detail or d.reason,
        when(d.sent_at),
        when(d.answered_at),
        "yes" if d.listened_at else "",
        d.feedback,
        d.duration_seconds or "",
    ]


def sends_per_status() -> dict[tuple[str, str], int]:
    """How many sends there are in each channel and state (the operator's /metrics)."""
    query = select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state)
    return {(channel, state): count for channel, state, count in db.session.execute(query)}
