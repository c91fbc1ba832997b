"""Voice campaigns other packages start for a known list of people (learning's lesson and refresher calls).

They go through the same dispatch as an officer's broadcast: the outbox, the rate limit, the calling
window, opt-out checked at send time.
"""

import json

from campaigns import (
    campaign_runs,
)
from campaigns.models import Campaign, CampaignListMember
from core.db import db


def call_list(
    name: str, contact_ids: list[int], window: tuple[str, str] = ("10:00", "18:00")
) -> Campaign | None:
    """Schedule, now, one voice call to each listed person (one attempt each); None for an empty list."""
    if not contact_ids:
        return None
    campaign = Campaign(
        name=name[:120],
        kind=Campaign.VOICE,
        content=Campaign.NO_AUDIO,
        audience=json.dumps({"use_list": True}),
        window_start=window[0],
        window_end=window[1],
        max_attempts=1,
        status=Campaign.DRAFT,
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(
        CampaignListMember(campaign_id=campaign.id, contact_id=cid) for cid in set(contact_ids)
    )
    campaign_runs.schedule_campaign(campaign, Campaign.NOW)
    return campaign
