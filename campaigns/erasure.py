"""A person's part of the campaigns, deleted when they ask to be forgotten."""

from sqlalchemy import delete

from campaigns.models import CampaignListMember, Delivery
from core.db import db


def erase_contact(contact_id: int) -> list[str]:
    """Delete the person's outbox rows and list memberships; report lines carry counts; the caller commits."""
    deliveries = db.session.execute(delete(Delivery).where(Delivery.contact_id == contact_id)).rowcount
    members = db.session.execute(
        delete(CampaignListMember).where(CampaignListMember.contact_id == contact_id)
    ).rowcount
    return [
        f"{deliveries} campaign delivery(ies) deleted",
        f"{members} campaign list membership(s) deleted",
    ]
