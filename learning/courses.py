"""Courses: an ordered list of published lessons, their quiz items, optional pre- and post-tests."""

from flask_babel import gettext
from sqlalchemy import select

from audio.models import Lesson
from core import params
from core.db import db
from learning.errors import LearningError
from learning.models import Course, CourseLesson, CourseTestItem, QuizItem

MAX_LESSONS = 30


def save_course(course: Course | None, form: dict, staff_id: int | None) -> Course:
    """Create or update a course from a form; LearningError (nothing saved) if it is not whole."""
    title = str(form.get("title_en") or "").strip()
    if not title:
        raise LearningError(gettext("give the course a title"))
    lesson_ids = _lesson_ids(form.get("lesson_ids") or [])
    pass_mark = _pass_mark(form.get("pass_mark"))
    tests = {
        stage: _item_ids(form.get(f"{stage}_item_ids") or [])
        for stage in (CourseTestItem.PRE, CourseTestItem.POST)
    }
    course = course or Course(created_by_id=staff_id)
    course.title_en = title[:200]
    course.title_hi = str(form.get("title_hi") or "").strip()[:200]
    course.topic_id = params.whole_number(form.get("topic_id"))
    course.pass_mark = pass_mark
    course.lessons = [CourseLesson(lesson_id=lesson_id, position=n) for n, lesson_id in enumerate(lesson_ids)]
    course.tests = [
        CourseTestItem(item_id=item_id, stage=stage, position=n)
        for stage, ids in tests.items()
        for n, item_id in enumerate(ids)
    ]
    db.session.add(course)
    db.session.commit()
    return course


def _lesson_ids(raw) -> list[int]:
    ids = [i for i in (params.whole_number(str(v).strip()) for v in raw) if i is not None]
    if not ids:
        raise LearningError(gettext("a course needs at least one lesson"))
    if len(ids) > MAX_LESSONS:
        raise LearningError(gettext("a course has at most %(count)s lessons", count=MAX_LESSONS))
    if len(set(ids)) != len(ids):
        raise LearningError(gettext("a lesson appears twice in the course"))
    found = {lesson.id: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.id.in_(ids)))}
    for lesson_id in ids:
        lesson = found.get(lesson_id)
        if lesson is None or lesson.kind != Lesson.LESSON or lesson.status != Lesson.PUBLISHED:
            raise LearningError(gettext("lesson %(number)s is not a published lesson", number=lesson_id))
    return ids


def _item_ids(raw) -> list[int]:
    ids = list(dict.fromkeys(i for i in (params.whole_number(str(v).strip()) for v in raw) if i is not None))
    found = set(
        db.session.scalars(
            select(QuizItem.id).where(QuizItem.id.in_(ids), QuizItem.status == QuizItem.PUBLISHED)
        )
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise LearningError(gettext("quiz item %(number)s is not published", number=missing[0]))
    return ids


def _pass_mark(value) -> int:
    if value in (None, ""):
        return 70
    if not str(value).isdigit() or not 1 <= int(value) <= 100:
        raise LearningError(gettext("the pass mark is a percentage from 1 to 100"))
    return int(value)


def published_courses() -> list[Course]:
    """Courses learners can be enrolled in, newest first."""
    query = (
        select(Course)
        .where(Course.status == Course.PUBLISHED)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return list(db.session.scalars(query))


def courses_using(lesson_id: int) -> list[CourseLesson]:
    """The places a lesson holds in courses."""
    return list(db.session.scalars(select(CourseLesson).where(CourseLesson.lesson_id == lesson_id)))
