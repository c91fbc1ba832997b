"""Campaigns: create, schedule, cancel and follow progress, inside the token's districts."""

from datetime import datetime

from flask import jsonify
from sqlalchemy import select

from api.access import current_token, district_ids
from api.errors import ApiError, not_found
from api.formats import TIMESTAMP, iso, object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import MAX_ID, Operations
from campaigns import (
    campaign_controls,
    campaign_reports,
    campaign_runs,
    editing,
)
from campaigns.models import Campaign
from core.db import db
from core.models import Contact, District

ops = Operations("campaigns")
CAMPAIGN = {
    "type": "object",
    "required": ["id", "name", "kind", "content", "status", "district_ids"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": list(Campaign.KINDS)},
        "content": {"type": "string", "enum": list(Campaign.CONTENTS)},
        "lesson_id": {"type": ["integer", "null"]},
        "status": {"type": "string"},
        "schedule": {"type": "string"},
        "send_at": TIMESTAMP,
        "next_run_at": TIMESTAMP,
        "window_start": {"type": "string"},
        "window_end": {"type": "string"},
        "district_ids": {"type": "array", "items": {"type": "integer"}},
        "audience": {"type": "object"},
        "created_at": TIMESTAMP,
    },
}
IDS = {"type": "array", "maxItems": 500, "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
AUDIENCE = {
    "type": "object",
    "additionalProperties": False,
    "description": "Who is reached, inside the campaign's districts (all given filters apply)",
    "properties": {
        "roles": {"type": "array", "items": {"type": "string", "enum": list(Contact.ROLES)}},
        "languages": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 8}},
        **{
            name: IDS
            for name in ("state_ids", "district_ids", "block_ids", "gram_panchayat_ids", "topic_ids")
        },
        "not_called_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        "not_finished_lesson_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
}
CREATE = {
    "type": "object",
    "required": ["name", "district_ids"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "kind": {"type": "string", "enum": list(Campaign.KINDS), "default": Campaign.VOICE},
        "content": {"type": "string", "enum": list(Campaign.CONTENTS), "default": Campaign.LESSON},
        "lesson_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
        "sms_templates": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 1000}},
        "district_ids": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        },
        "audience": AUDIENCE,
        "window_start": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "window_end": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 5},
        "retry_minutes": {"type": "integer", "minimum": 10, "maximum": 1440},
    },
}
SCHEDULE = {
    "type": "object",
    "required": ["when"],
    "additionalProperties": False,
    "properties": {
        "when": {"type": "string", "enum": list(Campaign.SCHEDULES)},
        "send_at": {
            "type": "string",
            "format": "date-time",
            "description": "UTC ISO-8601; for at and weekly",
        },
    },
}
PROGRESS = {
    "type": "object",
    "required": ["recipients", "attempts", "queued", "sent", "reached", "listened", "unsuccessful"],
    "properties": {
        name: {"type": "integer"}
        for name in ("recipients", "attempts", "queued", "sent", "reached", "listened", "unsuccessful")
    }
    | {"states": {"type": "object"}, "reasons": {"type": "object"}, "status": {"type": "string"}},
}


def campaign_json(campaign: Campaign) -> dict:
    """A campaign as the API shows it."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "kind": campaign.kind,
        "content": campaign.content,
        "lesson_id": campaign.lesson_id,
        "status": campaign.status,
        "schedule": campaign.schedule,
        "send_at": iso(campaign.send_at),
        "next_run_at": iso(campaign.next_run_at),
        "window_start": campaign.window_start,
        "window_end": campaign.window_end,
        "district_ids": sorted(d.id for d in campaign.districts),
        "audience": campaign.filters,
        "created_at": iso(campaign.created_at),
    }


def visible_campaigns():
    """A query of the campaigns touching the token's districts."""
    query = select(Campaign)
    allowed = district_ids()
    return query if allowed is None else query.where(Campaign.districts.any(District.id.in_(allowed or {-1})))


def visible_campaign(campaign_id: int) -> Campaign:
    """The campaign, if the token may see it; 404 otherwise."""
    campaign = db.session.scalar(visible_campaigns().where(Campaign.id == campaign_id))
    if campaign is None:
        raise not_found("campaign")
    return campaign


@ops.get("/campaigns", "List campaigns", query=PAGE_QUERY, responses={200: page_of(CAMPAIGN)})
def list_campaigns(args: dict):
    """One page of the token's campaigns."""
    return paginate(visible_campaigns(), Campaign.id, args, campaign_json)


@ops.get("/campaigns/{campaign_id}", "Get a campaign", responses={200: CAMPAIGN})
def get_campaign(campaign_id: int):
    """One campaign."""
    return object_response(campaign_json(visible_campaign(campaign_id)))


@ops.post("/campaigns", "Create a draft campaign", body=CREATE, responses={201: CAMPAIGN})
def create_campaign(body: dict):
    """A draft campaign in the token's districts, owned by the admin who made the token."""
    allowed = district_ids()
    if allowed is not None and not set(body["district_ids"]) <= allowed:
        raise ApiError(400, "unknown_district", "Only this token's districts.", field="district_ids")
    owner = current_token().created_by
    if owner is None:
        raise ApiError(403, "no_owner", "The admin who made this token is gone: make a new token.")
    try:
        campaign = editing.save_campaign(None, body, owner)
    except editing.CampaignError as error:
        raise ApiError(400, "invalid", str(error)) from None
    return object_response(campaign_json(campaign), 201)


@ops.post(
    "/campaigns/{campaign_id}/schedule",
    "Schedule a campaign (now, at a time, or weekly)",
    body=SCHEDULE,
    responses={200: CAMPAIGN, 409: None},
)
def schedule_campaign(campaign_id: int, body: dict):
    """Schedule the campaign; 409 with the reason when it cannot be."""
    campaign = visible_campaign(campaign_id)
    try:
        campaign_runs.schedule_campaign(campaign, body["when"], _moment(body.get("send_at")))
    except editing.CampaignError as error:
        raise ApiError(409, "cannot_schedule", str(error)) from None
    return object_response(campaign_json(campaign))


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "invalid", "send_at must be an ISO-8601 time with its zone.", field="send_at"
        ) from None
    if moment.tzinfo is None:
        raise ApiError(400, "invalid", "send_at needs a zone (Z for UTC).", field="send_at")
    return moment


@ops.post("/campaigns/{campaign_id}/cancel", "Cancel a campaign for good", responses={200: CAMPAIGN})
def cancel_campaign(campaign_id: int):
    """Cancel the campaign: unsent calls and messages are dropped."""
    campaign = visible_campaign(campaign_id)
    campaign_controls.cancel(campaign)
    return object_response(campaign_json(campaign))


@ops.get("/campaigns/{campaign_id}/progress", "Live delivery counts of a campaign", responses={200: PROGRESS})
def campaign_progress(campaign_id: int):
    """Live counts over each recipient's latest attempt."""
    campaign = visible_campaign(campaign_id)
    return jsonify(status=campaign.status, **campaign_reports.progress(campaign))
