"""What callers listen to: listening events, progress through lessons, what to offer next, stories and their tellers."""

from sqlalchemy import Insert, Row, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite

from audio import playback
from audio.models import Lesson, LessonTrack, Recording
from core import kept_rows
from core.db import db, utcnow
from core.models import Contact, District, Topic
from ivr import call_records
from ivr.models import (
    Call,
    Feedback,
    LessonProgress,
    ListenEvent,
)
from transcription import review_queue


def log_listen(call: Call, lesson_id: int, position: int, event: str) -> None:
    """Store one segment event for listen-through analytics, once per webhook request.

    Twilio retries a webhook it got no answer to: the retry's event has the same request key, so
    the unique index refuses it and nothing is counted twice (one statement, no read first).
    """
    row = {
        "call_id": call.id,
        "contact_id": call.contact_id,
        "lesson_id": lesson_id,
        "segment_position": position,
        "event": event,
        "request_key": call_records.request_key(),
        "created_at": utcnow(),
    }
    db.session.execute(_listen_event_insert(db.session.get_bind().dialect.name), row)


_INSERTS: dict[str, Insert] = {}


def _listen_event_insert(dialect: str) -> Insert:
    """Built once per dialect, on the table rather than the ORM class: building the statement cost more than running it."""
    if dialect not in _INSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _INSERTS[dialect] = insert(ListenEvent.__table__).on_conflict_do_nothing()
    return _INSERTS[dialect]


def save_progress(
    call: Call, lesson_id: int, position: int, topic_id: int | None, done: bool = False
) -> None:
    """Remember the next segment to play (or that the lesson is finished) for this caller."""
    if call.contact_id is None:
        return
    progress = db.session.scalar(
        select(LessonProgress).filter_by(contact_id=call.contact_id, lesson_id=lesson_id)
    )
    if progress is None:
        progress = LessonProgress(contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(progress)
    progress.position = position
    progress.topic_id = topic_id
    progress.completed_at = utcnow() if done else None


def progress_of(call: Call) -> list[Row]:
    """The caller's lessons begun or finished, latest first, in one statement: lesson_id, topic_id, position,
    completed_at, and the kind and title of those still published in the call's language (else None)."""
    if call.contact_id is None:
        return []
    published = (Lesson.id == LessonProgress.lesson_id) & (Lesson.status == Lesson.PUBLISHED)
    track_here = (LessonTrack.lesson_id == Lesson.id) & (
        LessonTrack.language_code == call_records.call_language(call).code
    )
    query = (
        select(
            LessonProgress.lesson_id,
            LessonProgress.topic_id,
            LessonProgress.position,
            LessonProgress.completed_at,
            Lesson.kind,
            LessonTrack.title,
        )
        .outerjoin(Lesson, published)
        .outerjoin(LessonTrack, track_here)
        .where(LessonProgress.contact_id == call.contact_id)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc())
    )
    return list(db.session.execute(query))


def unfinished_lesson(progress: list[Row]) -> Row | None:
    """The latest unfinished lesson still published in the call's language (of progress_of's rows)."""
    return next((row for row in progress if row.completed_at is None and row.title is not None), None)


def next_lesson(call: Call, progress: list[Row]) -> tuple[playback.PublishedLesson, str] | None:
    """The first lesson the caller has not finished: in the topic they last listened to, else any topic."""
    if call.contact_id is None:
        return None
    finished = {row.lesson_id for row in progress if row.completed_at is not None}
    published = playback.published_copies(call_records.call_language(call).code)
    waiting = [(lesson, lesson.title) for lesson in _in_topic_order(published) if lesson.id not in finished]
    last_topic = progress[0].topic_id if progress else None
    same_topic = [found for found in waiting if found[0].topic_id == last_topic]
    return (same_topic or waiting or [None])[0]


def _in_topic_order(found: list) -> list:
    """Lessons in curriculum order: by their topic's place in the topic list, then their own order."""
    places = kept_rows.kept("topic_positions", (Topic.__tablename__,), _topic_positions)
    return sorted(found, key=lambda lesson: places.get(lesson.topic_id, len(places)))


def _topic_positions() -> dict[int, int]:
    return dict(db.session.execute(select(Topic.id, Topic.position)).all())


def _name_recording(contact_id: int) -> Recording | None:
    query = (
        select(Recording)
        .where(Recording.contact_id == contact_id, Recording.kind == Recording.NAME)
        .where(Recording.consent == Recording.NAMED)
        .order_by(Recording.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def has_name(contact_id: int) -> bool:
    """True once the caller has recorded their name (whatever its review says: they are asked once)."""
    return _name_recording(contact_id) is not None


def name_recording_url(lesson: Lesson) -> str | None:
    """The story teller's name in their own voice: ready, consented to, and not rejected by a curator."""
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    name = _name_recording(recording.contact_id) if recording is not None and recording.contact_id else None
    if (
        name is None
        or name.status != Recording.READY
        or not name.playback_key
        or review_queue.rejected(name.id)
    ):
        return None
    return playback.signed_media_url(name.playback_key)


def story_teller(lesson: Lesson) -> tuple[str | None, District | None]:
    """The work (mason or motivator; None for other work) and district of the caller who told a story."""
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    teller = recording.contact if recording is not None and recording.contact_id else None
    if teller is None:
        return None, None
    role = teller.role if teller.role in (Contact.MASON, Contact.MOTIVATOR) else None
    return role, teller.district


def stories_nearby_first(call: Call) -> list[playback.PublishedLesson]:
    """Published stories in the call's language, those told in the caller's district first."""
    found = playback.published_copies(call_records.call_language(call).code, kind=Lesson.STORY)
    district_id = call.contact.district_id if call.contact is not None else None
    if district_id is None:
        return found
    return sorted(found, key=lambda lesson: _told_in(lesson) != district_id)


def _told_in(lesson: playback.PublishedLesson) -> int | None:
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    return recording.contact.district_id if recording is not None and recording.contact is not None else None


def followed_topics(call: Call) -> set[int]:
    """The topics a caller follows: those chosen for them, and those of the lessons they have listened to."""
    contact = call.contact
    if contact is None:
        return set()
    heard = select(LessonProgress.topic_id).where(
        LessonProgress.contact_id == contact.id, LessonProgress.topic_id.is_not(None)
    )
    return {topic.id for topic in contact.topics} | set(db.session.scalars(heard))


def record_feedback(call: Call, lesson_id: int, useful: bool) -> None:
    """Store (or change) this call's verdict on a lesson."""
    feedback = db.session.scalar(select(Feedback).filter_by(call_id=call.id, lesson_id=lesson_id))
    if feedback is None:
        feedback = Feedback(call_id=call.id, contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(feedback)
    feedback.useful = useful


def story_listeners() -> dict[int, int]:
    """Distinct callers who started each peer story, not counting its own teller: {lesson id: listeners}."""
    teller = select(Recording.contact_id).where(Recording.id == Lesson.source_recording_id).scalar_subquery()
    query = (
        select(ListenEvent.lesson_id, func.count(distinct(ListenEvent.contact_id)))
        .join(Lesson, Lesson.id == ListenEvent.lesson_id)
        .where(Lesson.kind == Lesson.STORY, ListenEvent.event == ListenEvent.START)
        .where(ListenEvent.contact_id.is_not(None), ListenEvent.contact_id.is_distinct_from(teller))
        .group_by(ListenEvent.lesson_id)
    )
    return dict(db.session.execute(query).all())
