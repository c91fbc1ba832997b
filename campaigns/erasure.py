"""A person's part of the campaigns, deleted when they ask to be forgotten."""

from sqlalchemy import delete, update

from campaigns.models import CampaignListMember, Delivery, Forward, PollAnswer
from core.db import db


def erase_contact(contact_id: int) -> list[str]:
    """Delete the person's outbox rows and list memberships; report lines carry counts; the caller commits."""
    deliveries = db.session.execute(delete(Delivery).where(Delivery.contact_id == contact_id)).rowcount
    members = db.session.execute(
        delete(CampaignListMember).where(CampaignListMember.contact_id == contact_id)
    ).rowcount
    shared = db.session.execute(
        update(Forward).where(Forward.from_contact_id == contact_id).values(from_contact_id=None)
    ).rowcount
    received = db.session.execute(
        update(Forward).where(Forward.to_contact_id == contact_id).values(to_contact_id=None)
    ).rowcount
    answers = db.session.execute(
        update(PollAnswer).where(PollAnswer.contact_id == contact_id).values(contact_id=None)
    ).rowcount
    return [
        f"{answers} poll answer(s) kept for the results without any link to the person",
        f"{deliveries} campaign delivery(ies) deleted",
        f"{members} campaign list membership(s) deleted",
        f"{shared + received} forward(s) kept for horizontal reach without any link to the person",
    ]
