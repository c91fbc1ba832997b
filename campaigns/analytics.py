"""Campaign reach for the analytics pages: who answered, who listened through, whose SMS arrived."""

from sqlalchemy import and_, case, distinct, func, select

from campaigns.models import Campaign, CampaignRun, Delivery
from core import metrics
from core.db import db
from core.metrics import BAR, DASHBOARD, Filters, Table


def _reached(condition) -> object:
    return func.count(distinct(case((condition, Delivery.contact_id))))


def reach(filters: Filters) -> Table:
    """Per campaign: people sent to, calls answered, lessons listened through and SMS delivered in the range."""
    voice, sms = Delivery.channel == Delivery.VOICE, Delivery.channel == Delivery.SMS
    tests = select(CampaignRun.id).where(CampaignRun.is_test.is_(True))
    query = (
        select(
            Delivery.campaign_id,
            func.count(distinct(Delivery.contact_id)),
            _reached(and_(voice, Delivery.answered_at.is_not(None))),
            _reached(and_(voice, Delivery.listened_at.is_not(None))),
            _reached(and_(sms, Delivery.state == Delivery.DELIVERED)),
        )
        .where(metrics.in_range(Delivery.created_at, filters), Delivery.run_id.not_in(tests))
        .group_by(Delivery.campaign_id)
    )
    # grouped by id alone, so the range is read once rather than once per campaign
    counts = db.session.execute(metrics.scoped(query, Delivery.contact_id, filters)).all()
    names = dict(
        db.session.execute(
            select(Campaign.id, Campaign.name).where(Campaign.id.in_([c[0] for c in counts]))
        ).all()
    )
    rows = sorted(((names[c[0]], *c[1:]) for c in counts), key=lambda r: (-r[1], r[0]))
    columns = ["Campaign", "People sent to", "Calls answered", "Listened through", "SMS delivered"]
    note = "Distinct people per campaign, from deliveries created in the range (test sends left out). "
    note += metrics.topic_note(filters)
    headline = [
        ("Campaign calls answered", sum(r[2] for r in rows)),
        ("Campaign SMS delivered", sum(r[4] for r in rows)),
    ]
    return Table("reach", "Campaign reach", columns, rows, BAR, [2, 3, 4], note, headline)


def register_metrics() -> None:
    """Add this package's tables to the officers' and curators' analytics pages (from init_app)."""
    metrics.register("reach", (DASHBOARD,), reach, position=150)
