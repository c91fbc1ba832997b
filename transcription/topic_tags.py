"""Topic tags on a recording: suggested from its transcript by the lexicon, decided by curators."""

from sqlalchemy import select

from audio.models import Lesson, Recording
from core.db import db, utcnow
from core.models import StaffUser, Topic
from transcription import tagging
from transcription.models import TopicKeyword, TopicTag

MACHINE_SOURCES = (TopicTag.ASR_KEYWORDS, TopicTag.MENU, TopicTag.LESSON)


def lexicon(language_code: str | None) -> list[tagging.Keyword]:
    """The active keywords of one language."""
    query = select(TopicKeyword).filter_by(language_code=language_code or "", active=True)
    return [tagging.Keyword(k.topic_id, k.keyword, k.weight) for k in db.session.scalars(query)]


def save_suggestions(recording: Recording, transcript_text: str) -> list[tagging.Suggestion]:
    """Replace the machine's open suggestions; tags a curator decided on keep their decision."""
    lesson = db.session.get(Lesson, recording.lesson_id) if recording.lesson_id else None
    suggestions = tagging.suggest(
        transcript_text,
        lexicon(recording.language_code),
        menu_topic_id=recording.topic_id,
        lesson_topic_id=lesson.topic_id if lesson else None,
    )
    existing = {(t.topic_id, t.source): t for t in tag_rows(recording.id) if t.source in MACHINE_SOURCES}
    for suggestion in suggestions:
        tag = existing.pop((suggestion.topic_id, suggestion.source), None) or TopicTag(
            recording_id=recording.id, topic_id=suggestion.topic_id, source=suggestion.source
        )
        tag.score = suggestion.score
        tag.keywords = ",".join(suggestion.keywords)
        db.session.add(tag)
    for stale in existing.values():
        if stale.status == TopicTag.SUGGESTED:
            db.session.delete(stale)
    return suggestions


def tag_rows(recording_id: int) -> list[TopicTag]:
    return list(db.session.scalars(select(TopicTag).filter_by(recording_id=recording_id)))


def tags_for(recording_id: int) -> list[TopicTag]:
    """A recording's tags, highest score first, rejected ones last."""
    tags = tag_rows(recording_id)
    return sorted(tags, key=lambda t: (t.status == TopicTag.REJECTED, -t.score, t.topic_id))


def accept_tag(recording_id: int, topic_id: int, staff: StaffUser) -> list[TopicTag]:
    """A curator confirms a topic: its suggestions are accepted (a curator tag if none existed)."""
    tags = [t for t in tag_rows(recording_id) if t.topic_id == topic_id]
    if not tags:
        return [add_tag(recording_id, topic_id, staff)]
    for tag in tags:
        _decide(tag, TopicTag.ACCEPTED, staff)
    db.session.commit()
    return tags


def reject_tag(recording_id: int, topic_id: int, staff: StaffUser) -> list[TopicTag]:
    """A curator says a recording is not about a topic: every tag for that topic is rejected."""
    tags = [t for t in tag_rows(recording_id) if t.topic_id == topic_id]
    for tag in tags:
        _decide(tag, TopicTag.REJECTED, staff)
    db.session.commit()
    return tags


def add_tag(recording_id: int, topic_id: int, staff: StaffUser) -> TopicTag:
    """A curator tags a recording with a topic the machine did not suggest."""
    if db.session.get(Topic, topic_id) is None:
        raise LookupError(f"no topic with id {topic_id}")
    tag = db.session.scalar(
        select(TopicTag).filter_by(recording_id=recording_id, topic_id=topic_id, source=TopicTag.CURATOR)
    ) or TopicTag(recording_id=recording_id, topic_id=topic_id, source=TopicTag.CURATOR, score=1.0)
    _decide(tag, TopicTag.ACCEPTED, staff)
    db.session.add(tag)
    db.session.commit()
    return tag


def _decide(tag: TopicTag, status: str, staff: StaffUser) -> None:
    tag.status = status
    tag.decided_by_id = staff.id
    tag.decided_at = utcnow()
