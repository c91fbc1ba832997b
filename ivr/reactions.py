"""What listeners say back about a lesson or story: "I have done this in my work", and the counts the line speaks.

"Useful" comes from the one-key feedback (ivr.models.Feedback); "tried" is its own key, because a worker who
has put advice into practice is the strongest sign to the next one. Counts are of people, not presses: a
caller who says so on three calls counts once (a caller with a hidden number counts per call).
"""

from sqlalchemy import distinct, func, select

from audio.models import Lesson, Recording
from core.db import db
from ivr.models import Call, Feedback, TriedIt


def record_tried(call: Call, lesson_id: int) -> None:
    """Note that this caller has done what the lesson or story says (once per call and item)."""
    if not has_tried(call, lesson_id):
        db.session.add(TriedIt(call_id=call.id, contact_id=call.contact_id, lesson_id=lesson_id))


def has_tried(call: Call, lesson_id: int) -> bool:
    """True if the caller already said so on this call."""
    found = select(TriedIt.id).filter_by(call_id=call.id, lesson_id=lesson_id)
    return db.session.scalar(found.limit(1)) is not None


def _people(model):
    # A known caller counts once; a caller with a hidden number counts once per call.
    return func.count(distinct(func.coalesce(model.contact_id, -model.call_id)))


def counts(lesson_id: int) -> tuple[int, int]:
    """(people who found it useful, people who have tried it) for one lesson or story."""
    useful = db.session.scalar(select(_people(Feedback)).filter_by(lesson_id=lesson_id, useful=True))
    tried = db.session.scalar(select(_people(TriedIt)).filter_by(lesson_id=lesson_id))
    return useful or 0, tried or 0


def per_story(model, *conditions) -> dict[int, int]:
    """{story lesson id: people} for rows of the model, not counting the story's own teller."""
    teller = select(Recording.contact_id).where(Recording.id == Lesson.source_recording_id).scalar_subquery()
    query = (
        select(model.lesson_id, _people(model))
        .join(Lesson, Lesson.id == model.lesson_id)
        .where(Lesson.kind == Lesson.STORY, *conditions)
        .where(model.contact_id.is_distinct_from(teller))
        .group_by(model.lesson_id)
    )
    return dict(db.session.execute(query).all())


def useful_per_story() -> dict[int, int]:
    """{story lesson id: listeners who found it useful}, the teller excluded."""
    return per_story(Feedback, Feedback.useful.is_(True))


def tried_per_story() -> dict[int, int]:
    """{story lesson id: listeners who have tried it in their work}, the teller excluded."""
    return per_story(TriedIt)
