"""The curators' review queue: filters, counts per status, and marking transcripts reviewed."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audio.models import Recording
from core.db import db, utcnow
from core.models import Contact, StaffUser
from transcription.models import Review, TopicTag, Transcript


@dataclass(frozen=True)
class QueueFilters:
    """What a curator narrows the queue to; every field is optional."""

    kind: str | None = None
    language: str | None = None
    topic_id: int | None = None
    needs_listening: bool | None = None
    flag: str | None = None
    status: str | None = None  # a Review status; None keeps the old meaning (not yet reviewed)
    district_id: int | None = None
    block_id: int | None = None
    role: str | None = None  # the contributor's role (Contact.ROLES)
    date_from: date | None = None  # recorded on or after (UTC day)
    date_to: date | None = None  # recorded on or before (UTC day)


REVIEW_STATUS = func.coalesce(Review.status, Review.NEW)


def review_queue(
    kind: str | None = None,
    language: str | None = None,
    topic_id: int | None = None,
    needs_listening: bool | None = None,
    flag: str | None = None,
    include_reviewed: bool = False,
    limit: int = 50,
    offset: int = 0,
    **more,
) -> list[Transcript]:
    """Transcripts for curators, most urgent first: questions, likely-useful stories, noise last."""
    filters = QueueFilters(kind, language, topic_id, needs_listening, flag, **more)
    query = _queued(select(Transcript), filters, include_reviewed).options(selectinload(Transcript.recording))
    query = query.order_by(Transcript.priority.desc(), Transcript.created_at, Transcript.id)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def queue_size(filters: QueueFilters, include_reviewed: bool = False) -> int:
    """How many transcripts the queue holds under these filters: every page together."""
    return db.session.scalar(_queued(select(func.count(Transcript.id)), filters, include_reviewed)) or 0


def _queued(query, filters: QueueFilters, include_reviewed: bool):
    query = _filtered(query, filters)
    if filters.status is None and not include_reviewed:
        query = query.where(Transcript.reviewed_at.is_(None))
    return query


def status_counts(filters: QueueFilters | None = None) -> dict[str, int]:
    """How many transcribed recordings sit in each review status (under the other filters)."""
    filters = replace(filters or QueueFilters(), status=None)
    query = _filtered(select(REVIEW_STATUS, func.count(Transcript.id)), filters).group_by(REVIEW_STATUS)
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in Review.STATUSES}


def _filtered(query, f: QueueFilters):
    query = query.select_from(Transcript).join(Recording, Recording.id == Transcript.recording_id)
    query = query.outerjoin(Review, Review.recording_id == Recording.id)
    query = query.where(Transcript.status != Transcript.PENDING)
    wanted = {
        Recording.kind: f.kind,
        Recording.language_code: f.language,
        REVIEW_STATUS: f.status,
        Transcript.needs_listening: f.needs_listening,
    }
    for column, value in wanted.items():
        if value is not None:
            query = query.where(column == value)
    if f.topic_id is not None:
        tagged = select(TopicTag.recording_id).where(TopicTag.topic_id == f.topic_id)
        query = query.where(Recording.id.in_(tagged.where(TopicTag.status != TopicTag.REJECTED)))
    if f.flag:
        query = query.where(Transcript.flags.contains(f.flag))
    return _by_contributor(_by_date(query, f), f)


def _by_date(query, f: QueueFilters):
    if f.date_from:
        query = query.where(Recording.created_at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        query = query.where(
            Recording.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min, UTC)
        )
    return query


def _by_contributor(query, f: QueueFilters):
    if not (f.district_id or f.block_id or f.role):
        return query
    query = query.join(Contact, Contact.id == Recording.contact_id)
    for column, value in (
        (Contact.district_id, f.district_id),
        (Contact.block_id, f.block_id),
        (Contact.role, f.role),
    ):
        if value:
            query = query.where(column == value)
    return query


def mark_reviewed(transcript_id: int, staff: StaffUser, notes: str | None = None) -> Transcript:
    """A curator is done with a recording; it leaves the queue (notes, if given, are saved)."""
    transcript = _transcript(transcript_id)
    if notes is not None:
        transcript.notes = notes.strip()
    transcript.reviewed_at = utcnow()
    transcript.reviewed_by_id = staff.id
    db.session.commit()
    return transcript


def set_notes(transcript_id: int, notes: str) -> Transcript:
    """Save a curator's notes on a transcript (searchable)."""
    transcript = _transcript(transcript_id)
    transcript.notes = notes.strip()
    db.session.commit()
    return transcript


def _transcript(transcript_id: int) -> Transcript:
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None:
        raise LookupError(f"no transcript with id {transcript_id}")
    return transcript


def rejected(recording_id: int) -> bool:
    """True if a curator has rejected the recording (the line must not play it)."""
    status = db.session.scalar(select(Review.status).filter_by(recording_id=recording_id))
    return status == Review.REJECTED
