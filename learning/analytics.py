"""Learning analytics: courses (enrolled to certified), knowledge gain, items (first-time right, wrong keys,
retention), learners stuck on an item. Each table exports as CSV; officers see their districts only."""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import and_, case, func, select

from core import metrics
from core.db import db
from core.logs import mask_phone
from core.models import Contact, District, Topic
from core.words import contact_role, page_language, place_name, topic_name
from learning import certificates, unlearning
from learning.models import Answer, Certificate, Course, Enrolment, Notice, QuizItem, Reask

RETENTION_BOX = 3  # an item re-asked from box 3 had waited 21 days or more since it was last right
STUCK_WRONG = 3  # wrong answers to one item, and still in the first box


@dataclass
class LearningTable:
    table: metrics.Table

    def csv(self) -> str:
        return metrics.csv_text(self.table)


def tables(district_ids: set[int] | None) -> dict[str, LearningTable]:
    """Every learning table for staff who see these districts (None: all)."""
    built = [
        courses(district_ids),
        certified(district_ids),
        gain(district_ids),
        items(district_ids),
        stuck(district_ids),
        changed_advice(district_ids),
    ]
    return {t.slug: LearningTable(t) for t in built}


@dataclass(frozen=True)
class Figure:
    """One figure an officer acts on, with the plain sentence that says what it means."""

    key: str
    value: object
    sentence: str


def summary(built: dict[str, LearningTable]) -> list[Figure]:
    """The few figures that come first on the page, read from the very tables below them (one definition)."""
    courses_rows = built["courses"].table.rows
    enrolled, completed, certified = (sum(row[column] for row in courses_rows) for column in (1, 3, 4))
    pre, post = _overall_gain(built["gain"].table.rows)
    stuck_learners = len({row[0] for row in built["stuck"].table.rows})
    return [
        Figure("enrolled", enrolled, gettext("people enrolled in a course")),
        Figure("completed", completed, gettext("finished every lesson of their course")),
        Figure("certified", certified, gettext("passed and received a certificate")),
        Figure(
            "gain",
            f"{pre}% → {post}%" if pre is not None and post is not None else "—",
            _gain_sentence(pre, post),
        ),
        Figure(
            "stuck",
            stuck_learners,
            gettext("learners keep getting a question wrong: call them or replay the lesson"),
        ),
    ]


def _overall_gain(rows: list[tuple]) -> tuple[float | None, float | None]:
    """Percent right on all pre-test answers, and on all post-test answers (the gain table's rows pooled)."""
    pre_right = sum((row[5] or 0) * row[7] / 100 for row in rows)
    post_right = sum((row[6] or 0) * row[8] / 100 for row in rows)
    pre_answers, post_answers = sum(row[7] for row in rows), sum(row[8] for row in rows)
    return _pct(round(pre_right), pre_answers), _pct(round(post_right), post_answers)


def _gain_sentence(pre: float | None, post: float | None) -> str:
    if pre is None or post is None:
        return gettext("no pre-test and post-test answers yet")
    return gettext("right answers on the pre-test, then on the post-test")


def _people(district_ids: set[int] | None):
    query = select(Contact.id)
    return query if district_ids is None else query.where(Contact.district_id.in_(district_ids or {-1}))


def courses(district_ids: set[int] | None) -> metrics.Table:
    """Per course: enrolled, started, completed, certified."""
    people = _people(district_ids)
    rows = []
    for course in db.session.scalars(select(Course).order_by(Course.id)):
        mine = and_(Enrolment.course_id == course.id, Enrolment.contact_id.in_(people))
        enrolled = db.session.scalar(select(func.count()).where(mine))
        started = db.session.scalar(select(func.count()).where(mine, Enrolment.started_at.is_not(None)))
        completed = db.session.scalar(select(func.count()).where(mine, Enrolment.completed_at.is_not(None)))
        certified = db.session.scalar(
            select(func.count()).where(Certificate.course_id == course.id, Certificate.contact_id.in_(people))
        )
        rows.append((course.title(page_language()), enrolled, started, completed, certified))
    columns = [
        gettext("Course"),
        gettext("Enrolled"),
        gettext("Started"),
        gettext("Completed"),
        gettext("Certified"),
    ]
    return metrics.Table("courses", gettext("Courses"), columns, rows)


def certified(district_ids: set[int] | None) -> metrics.Table:
    """Certificates per course and district."""
    rows = certificates.certified_by_district(district_ids)
    columns = [gettext("Course"), gettext("District"), gettext("Certified")]
    return metrics.Table("certified", gettext("Certified per district"), columns, rows)


def changed_advice(district_ids: set[int] | None) -> metrics.Table:
    """Per replaced lesson: how many heard the old advice, and how many of them have heard the new."""
    people = _people(district_ids)
    rows = []
    for replacement in unlearning.replacements():
        notified = select(Notice.contact_id).where(
            Notice.replacement_id == replacement.id, Notice.contact_id.in_(people)
        )
        heard_new = unlearning.completed_lesson(replacement.new_lesson_id).subquery()
        caught_up = select(func.count()).select_from(heard_new).where(heard_new.c.contact_id.in_(notified))
        total = db.session.scalar(select(func.count()).select_from(notified.subquery()))
        rows.append(
            (replacement.old_lesson_id, replacement.new_lesson_id, total, db.session.scalar(caught_up))
        )
    columns = [
        gettext("Old lesson"),
        gettext("New lesson"),
        gettext("Heard the old advice"),
        gettext("Have now heard the new"),
    ]
    return metrics.Table("changed-advice", gettext("Changed advice (unlearning)"), columns, rows)


def gain(district_ids: set[int] | None) -> metrics.Table:
    """Knowledge gain: share right on the pre-test and on the post-test, per course, item (and its topic),
    district and role; summing rows gives any coarser view."""
    query = (
        select(
            Answer.stage,
            Answer.correct,
            Enrolment.course_id,
            Answer.item_id,
            QuizItem.topic_id,
            Contact.district_id,
            Contact.role,
        )
        .join(Enrolment, Enrolment.id == Answer.enrolment_id)
        .join(QuizItem, QuizItem.id == Answer.item_id)
        .join(Contact, Contact.id == Answer.contact_id)
        .where(Answer.stage.in_((Answer.PRE, Answer.POST)), Answer.contact_id.in_(_people(district_ids)))
    )
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # pre right, pre n, post right, post n
    for stage, correct, course_id, item_id, topic_id, district_id, role in db.session.execute(query):
        key = (
            _course_title(course_id),
            item_id,
            _topic_name(topic_id),
            _district_name(district_id),
            contact_role(role),
        )
        figures = counts[key]
        offset = 0 if stage == Answer.PRE else 2
        figures[offset] += int(correct)
        figures[offset + 1] += 1
    rows = [(*key, _pct(f[0], f[1]), _pct(f[2], f[3]), f[1], f[3]) for key, f in sorted(counts.items())]
    columns = [
        gettext("Course"),
        gettext("Quiz item"),
        gettext("Topic"),
        gettext("District"),
        gettext("Role"),
        gettext("Right on the pre-test (%)"),
        gettext("Right on the post-test (%)"),
        gettext("Pre-test answers"),
        gettext("Post-test answers"),
    ]
    return metrics.Table("gain", gettext("Knowledge gain (pre-test and post-test)"), columns, rows)


def _course_title(course_id: int) -> str:
    course = db.session.get(Course, course_id)  # the session's identity map: one query per course
    return course.title(page_language()) if course else "—"


def _topic_name(topic_id: int | None) -> str:
    topic = db.session.get(Topic, topic_id) if topic_id is not None else None
    return topic_name(topic) if topic else "—"


def _district_name(district_id: int | None) -> str:
    district = db.session.get(District, district_id) if district_id is not None else None
    return place_name(district) if district else "—"


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def items(district_ids: set[int] | None) -> metrics.Table:
    """Per item: first answers, share right first time, share per wrong key, retention at 21+ days."""
    people = _people(district_ids)
    first = select(Answer.item_id, Answer.key, Answer.correct).where(
        Answer.attempt == 1, Answer.contact_id.in_(people)
    )
    by_item: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for item_id, key, correct in db.session.execute(first):
        by_item[item_id].append((key, correct))
    rows = []
    for item in db.session.scalars(select(QuizItem).order_by(QuizItem.id)):
        answers = by_item.get(item.id, [])
        right = sum(1 for _, correct in answers if correct)
        wrong_keys = _wrong_key_shares(item, answers)
        rows.append(
            (
                item.id,
                item.version(page_language()).question[:80],
                len(answers),
                _pct(right, len(answers)),
                wrong_keys,
                _retention(item.id, people),
            )
        )
    columns = [
        gettext("Quiz item"),
        gettext("Question"),
        gettext("First answers"),
        gettext("Right first time (%)"),
        gettext("Wrong keys chosen (share of first answers, %)"),
        gettext("Right when asked again after 21 days or more (%)"),
    ]
    return metrics.Table("items", gettext("Quiz items"), columns, rows)


def _wrong_key_shares(item: QuizItem, answers: list[tuple[str, bool]]) -> str:
    if not answers:
        return ""
    wrong = [k for k in item.option_keys if k != item.right_key]
    shares = [f"{key}: {_pct(sum(1 for a, _ in answers if a == key), len(answers))}" for key in wrong]
    skipped = sum(1 for a, _ in answers if not a)
    skipped_share = gettext("skipped: %(share)s", share=_pct(skipped, len(answers)))
    return "; ".join(shares + ([skipped_share] if skipped else []))


def _retention(item_id: int, people) -> float | None:
    query = select(func.count(), func.sum(case((Answer.correct, 1), else_=0))).where(
        Answer.item_id == item_id,
        Answer.stage == Answer.REASK,
        Answer.box_before >= RETENTION_BOX,
        Answer.contact_id.in_(people),
    )
    total, right = db.session.execute(query).one()
    return _pct(int(right or 0), total)


def stuck(district_ids: set[int] | None) -> metrics.Table:
    """Learners answering one item wrong again and again (still in the first box)."""
    wrong = (
        select(Answer.contact_id, Answer.item_id, func.count().label("wrong"))
        .where(~Answer.correct, Answer.contact_id.in_(_people(district_ids)))
        .group_by(Answer.contact_id, Answer.item_id)
        .having(func.count() >= STUCK_WRONG)
        .subquery()
    )
    query = (
        select(Contact.phone, wrong.c.item_id, wrong.c.wrong)
        .join(wrong, wrong.c.contact_id == Contact.id)
        .join(Reask, and_(Reask.contact_id == wrong.c.contact_id, Reask.item_id == wrong.c.item_id))
        .where(Reask.box == 1)
        .order_by(wrong.c.wrong.desc(), wrong.c.item_id)
    )
    rows = [(mask_phone(phone), item_id, count) for phone, item_id, count in db.session.execute(query)]
    columns = [gettext("Learner"), gettext("Quiz item"), gettext("Wrong answers")]
    return metrics.Table("stuck", gettext("Learners stuck on an item"), columns, rows)
