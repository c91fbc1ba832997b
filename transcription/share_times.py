"""The curators' audit log and how long stories take from recording to publication."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from audio.models import Recording
from core.db import db
from core.models import Contact, District, StaffUser
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


def time_to_share(since: datetime | None = None) -> list[ShareTimes]:
    """Call-to-publication time of published stories: overall, per curator, per caller's district."""
    query = (
        select(Review.published_at, Recording.created_at, StaffUser.name, StaffUser.username, District.name)
        .join(Recording, Recording.id == Review.recording_id)
        .outerjoin(StaffUser, StaffUser.id == Review.decided_by_id)
        .outerjoin(Contact, Contact.id == Recording.contact_id)
        .outerjoin(District, District.id == Contact.district_id)
        .where(Review.status == Review.APPROVED, Review.published_at.is_not(None))
    )
    if since is not None:
        query = query.where(Review.published_at >= since)
    groups: dict[str, list[float]] = {"Overall": []}
    for published, called, name, username, district in db.session.execute(query):
        hours = (_aware(published) - _aware(called)).total_seconds() / 3600
        for label in (
            "Overall",
            f"Curator: {name or username or 'former staff'}",
            f"District: {district or 'unknown'}",
        ):
            groups.setdefault(label, []).append(hours)
    return [_summary(label, sorted(values)) for label, values in sorted(groups.items(), key=_group_order)]


def _group_order(item: tuple[str, list]) -> tuple[int, str]:
    label = item[0]
    return (0 if label == "Overall" else 1 if label.startswith("Curator") else 2, label)


def share_time_hours(review: Review) -> float | None:
    """Hours from this recording's call to its publication, or None if not published."""
    if review.published_at is None:
        return None
    return (_aware(review.published_at) - _aware(review.recording.created_at)).total_seconds() / 3600


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _summary(label: str, hours: list[float]) -> ShareTimes:
    if not hours:
        return ShareTimes(label, 0, None, None, None)
    middle = len(hours) // 2
    median = hours[middle] if len(hours) % 2 else (hours[middle - 1] + hours[middle]) / 2
    p90 = hours[min(len(hours) - 1, int(round(0.9 * (len(hours) - 1))))]
    return ShareTimes(label, len(hours), round(median, 2), round(p90, 2), round(hours[-1], 2))
