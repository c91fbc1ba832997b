"""Unlearning: a lesson retired as replaced by another reaches everyone who heard the old advice, once.

Its quiz items are retired, courses play the replacement in its place, each person who completed the
old lesson gets a notice (offered at the start of their next call, and by one outbound call), and the
analytics count how many of them have since heard the new lesson.
"""

from flask_babel import gettext
from sqlalchemy import func, select, union_all

from audio import lesson_library
from audio.models import Lesson
from campaigns import audience
from core.db import db
from learning import outreach, quizzes
from learning.errors import LearningError
from learning.models import CourseLesson, Notice, OutreachCall, Replacement


def completed_lesson(lesson_id: int):
    """SELECT contact_id of everyone who heard a lesson through (on the line or a broadcast)."""
    sources = [source(lesson_id) for source in audience.LESSON_COMPLETION_SOURCES]
    return select(union_all(*sources).subquery().c.contact_id).distinct()


def replace_lesson(old_id: int, new_id: int, reason: str, staff_id: int | None) -> Replacement:
    """Retire the old lesson as replaced by the new one and reach its listeners; LearningError if not possible."""
    old, new = db.session.get(Lesson, old_id), db.session.get(Lesson, new_id)
    if old is None or new is None:
        raise LearningError(gettext("choose both the outdated lesson and the lesson replacing it"))
    _check(old, new)
    replacement = Replacement(
        old_lesson_id=old.id, new_lesson_id=new.id, reason=reason.strip(), created_by_id=staff_id
    )
    db.session.add(replacement)
    quizzes.retire_lesson_items(old.id)
    for place in db.session.scalars(select(CourseLesson).filter_by(lesson_id=old.id)):
        place.lesson_id = new.id
    db.session.flush()
    listeners = list(db.session.scalars(completed_lesson(old.id)))
    db.session.add_all(Notice(replacement_id=replacement.id, contact_id=cid) for cid in listeners)
    lesson_library.set_lesson_status(old.id, Lesson.RETIRED)  # commits the whole replacement at once
    outreach.call(listeners, OutreachCall.UNLEARNING)
    return replacement


def _check(old: Lesson, new: Lesson) -> None:
    if old.id == new.id:
        raise LearningError(gettext("a lesson cannot replace itself"))
    if new.status != Lesson.PUBLISHED:
        raise LearningError(gettext("the replacement must be a published lesson"))
    if db.session.scalar(select(Replacement.id).filter_by(old_lesson_id=old.id)) is not None:
        raise LearningError(gettext("this lesson was already replaced; its listeners were reached then"))


def pending_notice(contact_id: int) -> Notice | None:
    """The oldest changed-advice notice this person has not yet heard."""
    query = (
        select(Notice)
        .where(Notice.contact_id == contact_id, Notice.heard_at.is_(None))
        .order_by(Notice.created_at, Notice.id)
        .limit(1)
    )
    return db.session.scalar(query)


def mark_heard(notice: Notice, now) -> None:
    """The person accepted to hear the new advice: the notice is not offered again."""
    notice.heard_at = notice.heard_at or now


def reach(replacement: Replacement) -> dict[str, int]:
    """How many heard the old advice, and how many of them have now heard the new."""
    notified = select(Notice.contact_id).where(Notice.replacement_id == replacement.id)
    heard_new = completed_lesson(replacement.new_lesson_id).subquery()
    caught_up = select(func.count()).select_from(heard_new).where(heard_new.c.contact_id.in_(notified))
    total = select(func.count()).select_from(notified.subquery())
    return {"heard_old": db.session.scalar(total) or 0, "heard_new": db.session.scalar(caught_up) or 0}


def replacements() -> list[Replacement]:
    """Every replacement, newest first."""
    return list(db.session.scalars(select(Replacement).order_by(Replacement.created_at.desc())))
