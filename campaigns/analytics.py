"""Campaign reach for the analytics pages: who answered, who listened through, whose SMS arrived."""

from flask_babel import gettext
from sqlalchemy import and_, case, distinct, func, select

from campaigns.models import Campaign, CampaignRun, Delivery, Forward
from core import metrics, words
from core.db import db
from core.metrics import BAR, DASHBOARD, Filters, Table
from core.models import District


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
    columns = [
        gettext("Campaign"),
        gettext("People sent to"),
        gettext("Calls answered"),
        gettext("Listened through"),
        gettext("SMS delivered"),
    ]
    note = gettext(
        "Distinct people per campaign, from deliveries created in the range (test sends left out)."
    )
    note += " " + metrics.topic_note(filters)
    headline = [
        (gettext("Campaign calls answered"), sum(r[2] for r in rows)),
        (gettext("Campaign SMS delivered"), sum(r[4] for r in rows)),
    ]
    return Table("reach", gettext("Campaign reach"), columns, rows, BAR, [2, 3, 4], note.strip(), headline)


def horizontal_reach(filters: Filters) -> Table:
    """Forwards to a friend by the sharer's district: asked for, calls placed, sharers, friends reached."""
    placed = Forward.status == Forward.PLACED
    query = (
        select(
            Forward.district_id,
            func.count(Forward.id),
            func.sum(case((placed, 1), else_=0)),
            func.count(distinct(Forward.from_contact_id)),
            func.count(distinct(case((placed, Forward.to_contact_id)))),
        )
        .where(metrics.in_range(Forward.created_at, filters))
        .group_by(Forward.district_id)
    )
    counts = db.session.execute(metrics.scoped(query, Forward.from_contact_id, filters)).all()
    districts = {d.id: words.place_name(d) for d in db.session.scalars(select(District))}
    unknown = gettext("Unknown district")
    rows = sorted(((districts.get(c[0], unknown), *c[1:]) for c in counts), key=lambda r: (-r[1], r[0]))
    columns = [
        gettext("Sharer's district"),
        gettext("Forwards asked"),
        gettext("Calls placed"),
        gettext("Sharers"),
        gettext("Friends called"),
    ]
    note = gettext(
        "Horizontal learning: items a caller shared with a colleague by keypad, by the sharer's district."
    )
    return Table("horizontal_reach", gettext("Forwards to a friend"), columns, rows, BAR, [1, 2], note)


def register_metrics() -> None:
    """Add this package's tables to the officers' and curators' analytics pages (from init_app)."""
    metrics.register("reach", (DASHBOARD,), reach, position=150)
    metrics.register("horizontal_reach", (DASHBOARD,), horizontal_reach, position=155)
