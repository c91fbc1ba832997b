"""The curators' audit log and how long stories take from recording to publication."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import Select, select

from audio.models import Recording
from core import metrics
from core.db import db
from core.metrics import Filters
from core.models import Contact, District, StaffUser
from core.words import place_name
from transcription.models import AuditEntry, Review


def audit_log(
    limit: int = 200, object_type: str | None = None, object_id: int | None = None
) -> list[AuditEntry]:
    """The newest audit entries (optionally about one object)."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class ShareTimes:
    """How long recordings took from the call to publication, in hours."""

    label: str
    count: int
    median_hours: float | None
    p90_hours: float | None
    longest_hours: float | None


# "Hours to share" has one definition, used by this page, the review page and both analytics pages:
# hours from the caller's recording to its publication (hours_to_share), summarised by
# median_hours_to_share and p90_hours_to_share over the stories published in the period.


def hours_to_share(called: datetime, published: datetime) -> float:
    """Hours from a caller's recording to its publication as a peer story."""
    return metrics.hours_between(called, published)


def median_hours_to_share(hours: list[float]) -> float | None:
    """The median of stories' hours to share (rounded to 0.1), the figure every page shows."""
    return metrics.median(hours)


def p90_hours_to_share(hours: list[float]) -> float | None:
    """The 90th percentile of stories' hours to share, by nearest rank (rounded to 0.1)."""
    return metrics.percentile(hours, 90)


def published_stories(filters: Filters | None) -> Select:
    """(published_at, recorded_at, curator's name, username, district) of stories published in the period
    and about the filters' people (None: every story ever published)."""
    query = (
        select(Review.published_at, Recording.created_at, StaffUser.name, StaffUser.username, District)
        .join(Recording, Recording.id == Review.recording_id)
        .outerjoin(StaffUser, StaffUser.id == Review.decided_by_id)
        .outerjoin(Contact, Contact.id == Recording.contact_id)
        .outerjoin(District, District.id == Contact.district_id)
        .where(Review.status == Review.APPROVED, Review.published_at.is_not(None))
    )
    if filters is None:
        return query
    query = query.where(metrics.in_range(Review.published_at, filters))
    if filters.topic_id:
        query = query.where(Recording.topic_id == filters.topic_id)
    return metrics.scoped(query, Recording.contact_id, filters)


def time_to_share(filters: Filters | None = None) -> list[ShareTimes]:
    """Call-to-publication time of stories published in the period: overall, per curator, per caller's district."""
    groups: dict[tuple[int, str], list[float]] = {(OVERALL, ""): []}
    for published, called, name, username, district in db.session.execute(published_stories(filters)):
        hours = hours_to_share(called, published)
        curator = name or username or gettext("former staff")
        place = place_name(district) if district is not None else gettext("unknown")
        for group in ((OVERALL, ""), (CURATOR, curator), (DISTRICT, place)):
            groups.setdefault(group, []).append(hours)
    return [_summary(_label(*group), values) for group, values in sorted(groups.items())]


OVERALL, CURATOR, DISTRICT = 0, 1, 2  # the order of the rows


def _label(group: int, name: str) -> str:
    """The row's label in the page's language: 'Overall', 'Curator: Asha', 'District: Sitapur'."""
    if group == CURATOR:
        return gettext("Curator: %(name)s", name=name)
    if group == DISTRICT:
        return gettext("District: %(name)s", name=name)
    return gettext("Overall")


def share_time_hours(review: Review) -> float | None:
    """Hours from this recording's call to its publication, or None if not published."""
    if review.published_at is None:
        return None
    return hours_to_share(review.recording.created_at, review.published_at)


def _summary(label: str, hours: list[float]) -> ShareTimes:
    if not hours:
        return ShareTimes(label, 0, None, None, None)
    longest = round(max(hours), 1)
    return ShareTimes(label, len(hours), median_hours_to_share(hours), p90_hours_to_share(hours), longest)
