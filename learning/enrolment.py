"""Enrolment: who is in which course, as a weekly series, and where each learner is in it.

A learner's place (step, lesson, item, segment) is saved at every step, so a call that drops in a
lesson or a quiz continues at that point on the next call.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, insert, select, update

from campaigns import audience
from core import params
from core.db import db
from core.models import Contact, StaffUser
from learning import clock, quizzes
from learning.errors import LearningError
from learning.models import Course, Enrolment, QuizItem, Series


@dataclass
class Step:
    """What the learner does next: pre/quiz/post (an item), lesson (a lesson from a segment), wait, done."""

    kind: str
    enrolment: Enrolment
    item: QuizItem | None = None
    lesson_id: int | None = None


def enrol(course: Course, contact: Contact, series: Series | None = None) -> Enrolment:
    """Enrol one person (again: their existing enrolment); refuses anyone who opted out."""
    if contact.opted_out_at is not None:
        raise LearningError(
            gettext("%(phone)s has opted out of calls and messages: not enrolled", phone=contact.masked_phone)
        )
    existing = db.session.scalar(select(Enrolment).filter_by(course_id=course.id, contact_id=contact.id))
    if existing is not None:
        return existing
    enrolment = Enrolment(course=course, contact=contact, series=series, enrolled_at=clock.now())
    db.session.add(enrolment)
    return enrolment


def start_series(course: Course, form: dict, user: StaffUser) -> tuple[Series, int]:
    """Enrol an audience (campaign targeting, inside the officer's districts) in a weekly series."""
    if course.status != Course.PUBLISHED or not course.lessons:
        raise LearningError(gettext("choose a published course with lessons"))
    starts_at = form.get("starts_at")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise LearningError(gettext("give the date and time of the first weekly lesson"))
    scope = _scope(user, form.get("district_ids") or [])
    filters = audience.clean_filters(form.get("audience") or {})
    series = Series(
        course=course,
        theme=str(form.get("theme") or "").strip()[:200],
        audience=json.dumps(filters),
        district_ids=",".join(str(d) for d in sorted(scope or ())),
        starts_at=starts_at,
        created_by_id=user.id,
    )
    db.session.add(series)
    db.session.flush()
    people = audience.contact_query(filters, scope).with_only_columns(Contact.id)
    count = _enrol_all(course, series, people)
    db.session.commit()
    return series, count


def _enrol_all(course: Course, series: Series, people) -> int:
    """Enrol everyone a SELECT of contact ids finds, in set operations (an audience can be 100,000)."""
    mine = select(Enrolment.contact_id).where(Enrolment.course_id == course.id)
    db.session.execute(
        update(Enrolment)
        .where(
            Enrolment.course_id == course.id, Enrolment.series_id.is_(None), Enrolment.contact_id.in_(people)
        )
        .values(series_id=series.id)
    )
    new = list(db.session.scalars(people.where(Contact.id.not_in(mine))))
    now = clock.now()
    for start in range(0, len(new), 5000):
        rows = [
            {"course_id": course.id, "contact_id": cid, "series_id": series.id, "enrolled_at": now}
            for cid in new[start : start + 5000]
        ]
        db.session.execute(insert(Enrolment), rows)
    return db.session.scalar(select(func.count()).select_from(people.subquery())) or 0


def opted_out_left_out(form: dict, user: StaffUser) -> int:
    """How many opted-out people the series' audience would have had (they are never enrolled)."""
    scope = _scope(user, form.get("district_ids") or [])
    filters = audience.clean_filters(form.get("audience") or {})
    return audience.count(filters, scope)["opted_out"]


def _scope(user: StaffUser, district_ids) -> set[int] | None:
    wanted = {i for i in (params.whole_number(d) for d in district_ids) if i is not None}
    allowed = user.district_ids()
    if allowed is None:
        return wanted or None
    if wanted - allowed:
        raise LearningError(gettext("you can only enrol people in your own districts"))
    return wanted or allowed


def unlocked_lessons(enrolment: Enrolment, now: datetime) -> int:
    """How many lessons the learner may hear by now: one a week in a series, all otherwise."""
    total = len(enrolment.course.lessons)
    series = enrolment.series
    if series is None:
        return total
    if now < series.starts_at:
        return 0
    return min(total, (now - series.starts_at) // timedelta(days=7) + 1)


def active_for(contact_id: int) -> list[Enrolment]:
    """The learner's unfinished enrolments, oldest first."""
    query = (
        select(Enrolment)
        .where(Enrolment.contact_id == contact_id, Enrolment.status == Enrolment.ACTIVE)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return list(db.session.scalars(query))


def next_ready(contact_id: int) -> Step | None:
    """The first enrolment with something to do now, and that thing."""
    for enrolment in active_for(contact_id):
        step = where(enrolment)
        if step.kind not in ("wait", "done"):
            return step
    return None


def where(enrolment: Enrolment) -> Step:
    """The learner's next step, moving past finished parts (a course's items can change under them)."""
    course = enrolment.course
    for _ in range(4 * len(course.lessons) + 8):
        step = _step(enrolment, course)
        if step is not None:
            return step
    raise RuntimeError(f"enrolment {enrolment.id} does not settle")


def _step(enrolment: Enrolment, course: Course) -> Step | None:
    if enrolment.step in (Enrolment.PRE, Enrolment.POST):
        return _test_step(enrolment, course)
    if enrolment.step == Enrolment.LESSON:
        return _lesson_step(enrolment, course)
    if enrolment.step == Enrolment.QUIZ:
        return _quiz_step(enrolment, course)
    return Step("done", enrolment)


def _test_step(enrolment: Enrolment, course: Course) -> Step | None:
    items = course.test_items(enrolment.step)
    if enrolment.item_index < len(items):
        return Step(enrolment.step, enrolment, item=items[enrolment.item_index])
    if enrolment.step == Enrolment.POST:
        enrolment.step = Enrolment.DONE
        return Step("finish", enrolment)
    _move(enrolment, Enrolment.LESSON)
    return None


def _lesson_step(enrolment: Enrolment, course: Course) -> Step | None:
    if enrolment.lesson_index >= len(course.lessons):
        _move(enrolment, Enrolment.POST)
        return None
    if enrolment.lesson_index >= unlocked_lessons(enrolment, clock.now()):
        return Step("wait", enrolment)
    return Step("lesson", enrolment, lesson_id=course.lessons[enrolment.lesson_index].lesson_id)


def _quiz_step(enrolment: Enrolment, course: Course) -> Step | None:
    lesson_id = course.lessons[enrolment.lesson_index].lesson_id
    items = quizzes.lesson_items(lesson_id)
    if enrolment.item_index < len(items):
        return Step("quiz", enrolment, item=items[enrolment.item_index], lesson_id=lesson_id)
    enrolment.lesson_index += 1
    _move(enrolment, Enrolment.LESSON)
    return None


def _move(enrolment: Enrolment, step: str) -> None:
    enrolment.step = step
    enrolment.item_index = 0
    enrolment.segment = 0


def note_segment(enrolment: Enrolment, segment: int, call_sid: str) -> None:
    """The learner is hearing this segment of the current lesson on this call."""
    now = clock.now()
    enrolment.segment = segment
    enrolment.last_call_sid = call_sid
    enrolment.last_activity_at = now
    enrolment.started_at = enrolment.started_at or now


def lesson_heard(enrolment: Enrolment) -> None:
    """The current lesson played to its end: its quiz comes next."""
    _move(enrolment, Enrolment.QUIZ)


def item_done(enrolment: Enrolment, call_sid: str) -> None:
    """The current item was answered or skipped."""
    now = clock.now()
    enrolment.item_index += 1
    enrolment.last_call_sid = call_sid
    enrolment.last_activity_at = now
    enrolment.started_at = enrolment.started_at or now


def dropped_mid_course(call_sid: str) -> Enrolment | None:
    """An enrolment this call left inside a lesson or quiz (not at a natural stop), not yet called back."""
    query = select(Enrolment).where(
        Enrolment.last_call_sid == call_sid,
        Enrolment.status == Enrolment.ACTIVE,
        Enrolment.callback_for_sid != call_sid,
    )
    for enrolment in db.session.scalars(query):
        mid_lesson = enrolment.step == Enrolment.LESSON and enrolment.segment > 0
        mid_test = enrolment.step in (Enrolment.QUIZ, Enrolment.PRE, Enrolment.POST)
        if mid_lesson or mid_test:
            return enrolment
    return None


def series_enrolled(series_id: int) -> int:
    """How many people a series enrolled."""
    return db.session.scalar(select(func.count()).where(Enrolment.series_id == series_id)) or 0
