"""Officers' campaigns as they edit them: who may see which, and saving a form's choices."""

import json

from flask_babel import gettext
from sqlalchemy import select

from campaigns import audience, campaign_runs, schedule, sms
from campaigns.models import Campaign
from core import words
from core.db import db
from core.models import District, StaffUser


class CampaignError(ValueError):
    """A campaign cannot be saved or scheduled as asked; the message says why."""


def visible_campaigns(user: StaffUser) -> list[Campaign]:
    """Campaigns this staff member may see: officers only those of their districts."""
    query = select(Campaign).order_by(Campaign.created_at.desc())
    allowed = user.district_ids()
    if allowed is not None:
        query = query.where(Campaign.districts.any(District.id.in_(allowed or {-1})))
    return list(db.session.scalars(query))


def may_see(user: StaffUser, campaign: Campaign) -> bool:
    """True if the campaign belongs to (one of) the staff member's districts, or they see all."""
    allowed = user.district_ids()
    return allowed is None or bool({d.id for d in campaign.districts} & allowed)


def save_campaign(campaign: Campaign | None, form: dict, user: StaffUser) -> Campaign:
    """Create or update a campaign from submitted values; CampaignError (nothing saved) if invalid."""
    if campaign is not None and not campaign.editable:
        raise CampaignError(gettext("A running, finished or cancelled campaign cannot be edited."))
    campaign = campaign or Campaign(created_by=user, status=Campaign.DRAFT)
    _apply_fields(campaign, form)
    campaign.districts = _districts_for(user, form.get("district_ids", []))
    campaign.audience = json.dumps(audience.clean_filters(form.get("audience", {})))
    campaign_runs.check_ready(
        campaign
    )  # refused at save, where the officer is still at the form, not later at Schedule
    db.session.add(campaign)
    db.session.commit()
    return campaign


def _apply_fields(campaign: Campaign, form: dict) -> None:
    name = (form.get("name") or "").strip()
    if not name:
        raise CampaignError(gettext("Give the campaign a name."))
    kind, content = form.get("kind", Campaign.VOICE), form.get("content", Campaign.LESSON)
    if kind not in Campaign.KINDS or content not in Campaign.CONTENTS:
        raise CampaignError(gettext("Choose what kind of campaign this is and what it plays."))
    window = _window(form)
    campaign.name = name[:120]
    campaign.kind = kind
    campaign.content = content
    campaign.lesson_id = int(form["lesson_id"]) if str(form.get("lesson_id") or "").isdigit() else None
    campaign.sms_templates = json.dumps(_templates(form.get("sms_templates", {})), ensure_ascii=False)
    campaign.window_start, campaign.window_end = window
    campaign.max_attempts = _bounded_int(form.get("max_attempts"), 1, 5, 3, gettext("Attempts per person"))
    campaign.retry_minutes = _bounded_int(
        form.get("retry_minutes"), 10, 24 * 60, 60, gettext("Minutes between attempts")
    )
    machine = form.get("machine_action", Campaign.MACHINE_OFF)
    campaign.machine_action = machine if machine in Campaign.MACHINE_ACTIONS else Campaign.MACHINE_OFF


def _window(form: dict) -> tuple[str, str]:
    start, end = form.get("window_start") or "10:00", form.get("window_end") or "18:00"
    try:
        window = schedule.Window.parse(start, end)
    except ValueError as error:
        raise CampaignError(gettext("Calling window: %(problem)s", problem=error)) from None
    return window.start.strftime("%H:%M"), window.end.strftime("%H:%M")


def _templates(templates: dict) -> dict[str, str]:
    cleaned = {code: text.strip() for code, text in templates.items() if text and text.strip()}
    for code, text in cleaned.items():
        unknown = sms.unknown_placeholders(text)
        if unknown:
            raise CampaignError(
                gettext(
                    "SMS (%(language)s): unknown placeholder %(placeholder)s",
                    language=words.language_name(code),
                    placeholder="{" + unknown[0] + "}",
                )
            )
    return cleaned


def _bounded_int(value, low: int, high: int, default: int, what: str) -> int:
    if value in (None, ""):
        return default
    if not str(value).isdigit() or not low <= int(value) <= high:
        raise CampaignError(
            gettext(
                "%(what)s must be a whole number from %(low)s to %(high)s.", what=what, low=low, high=high
            )
        )
    return int(value)


def _districts_for(user: StaffUser, district_ids) -> list[District]:
    wanted = {int(d) for d in district_ids if str(d).isdigit()}
    allowed = user.district_ids()
    if allowed is not None:
        wanted = (wanted & allowed) or allowed
    return list(db.session.scalars(select(District).where(District.id.in_(wanted)))) if wanted else []
