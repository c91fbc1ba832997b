"""Learning rows: courses, quiz items, enrolments, answers, the re-ask schedule, certificates, replacements."""

import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.models import UTCDateTime
from core.db import db, utcnow
from core.models import Contact, District, Topic


class Course(db.Model):
    """An ordered list of lessons, each followed by its quiz items, with optional pre- and post-tests."""

    __tablename__ = "learning_courses"

    DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_hi: Mapped[str] = mapped_column(String(200), default="")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)  # percent right on the post-test
    status: Mapped[str] = mapped_column(String(12), default=PUBLISHED, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic | None] = relationship()
    lessons: Mapped[list["CourseLesson"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseLesson.position"
    )
    tests: Mapped[list["CourseTestItem"]] = relationship(
        cascade="all, delete-orphan", order_by="CourseTestItem.position"
    )

    def title(self, language_code: str | None) -> str:
        return (self.title_hi if language_code == "hi" else "") or self.title_en

    def test_items(self, stage: str) -> list["QuizItem"]:
        return [t.item for t in self.tests if t.stage == stage and t.item.status == QuizItem.PUBLISHED]


class CourseLesson(db.Model):
    """One lesson's place in a course."""

    __tablename__ = "learning_course_lessons"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="lessons")


class QuizItem(db.Model):
    """A keypad question checking one lesson: 2-4 options on keys 1-9, one of them right."""

    __tablename__ = "learning_quiz_items"

    DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
    STATUSES = (DRAFT, PUBLISHED, RETIRED)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    option_keys: Mapped[str] = mapped_column(String(9))  # e.g. "123": the keys that are options
    right_key: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[Topic | None] = relationship()
    versions: Mapped[list["QuizItemVersion"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="QuizItemVersion.language_code"
    )

    def version(self, language_code: str | None) -> "QuizItemVersion":
        """The wording in a language, else Hindi, else the first there is."""
        by_code = {v.language_code: v for v in self.versions}
        return by_code.get(language_code or "") or by_code.get("hi") or self.versions[0]


class QuizItemVersion(db.Model):
    """An item's words in one language: question (typed, or uploaded audio), option labels, explanation."""

    __tablename__ = "learning_quiz_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("learning_quiz_items.id", ondelete="CASCADE"), index=True)
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    question: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON {key: label}
    explanation: Mapped[str] = mapped_column(Text, default="")
    audio_prompt_id: Mapped[str] = mapped_column(String(80), default="")  # uploaded question audio

    item: Mapped[QuizItem] = relationship(back_populates="versions")

    @property
    def labels(self) -> dict[str, str]:
        return json.loads(self.options or "{}")


class CourseTestItem(db.Model):
    """An item asked before the first lesson (pre-test) or after the last (post-test)."""

    __tablename__ = "learning_course_test_items"

    PRE, POST = "pre", "post"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("learning_courses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("learning_quiz_items.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(4), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    item: Mapped[QuizItem] = relationship()


class Series(db.Model):
    """A course run as a weekly series for an audience: one lesson a week from the start, in a calling window."""

    __tablename__ = "learning_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id", ondelete="CASCADE"), index=True)
    theme: Mapped[str] = mapped_column(String(200), default="")  # the calendar's theme of the month
    audience: Mapped[str] = mapped_column(Text, default="{}")  # campaigns.audience filter, as data
    district_ids: Mapped[str] = mapped_column(String(500), default="")  # comma-separated scope
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the weekly slot: weekday and time
    window_start: Mapped[str] = mapped_column(String(5), default="10:00")
    window_end: Mapped[str] = mapped_column(String(5), default="18:00")
    weeks_called: Mapped[int] = mapped_column(Integer, default=0)  # weekly lesson calls already planned
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()


class Enrolment(db.Model):
    """A learner in a course and exactly where they are in it (so a dropped call resumes there)."""

    __tablename__ = "learning_enrolments"
    __table_args__ = (UniqueConstraint("course_id", "contact_id"),)

    ACTIVE, COMPLETED = "active", "completed"
    # steps, in course order
    PRE, LESSON, QUIZ, POST, DONE = "pre", "lesson", "quiz", "post", "done"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_series.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    step: Mapped[str] = mapped_column(String(8), default=PRE)
    lesson_index: Mapped[int] = mapped_column(Integer, default=0)
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    segment: Mapped[int] = mapped_column(Integer, default=0)  # next segment of the current lesson
    last_call_sid: Mapped[str] = mapped_column(String(64), default="")
    callback_for_sid: Mapped[str] = mapped_column(String(64), default="")  # the dropped call called back
    score: Mapped[int | None] = mapped_column(Integer)  # percent, once finished
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    contact: Mapped[Contact] = relationship()
    series: Mapped[Series | None] = relationship()


class Answer(db.Model):
    """One keypad answer (or skip) to one item on one call."""

    __tablename__ = "learning_answers"
    __table_args__ = (
        Index("ix_learning_answers_item_id_contact_id", "item_id", "contact_id", "attempt"),
        Index("ix_learning_answers_contact_id_item_id", "contact_id", "item_id"),
    )

    LESSON, PRE, POST, REASK = "lesson", "pre", "post", "reask"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("learning_quiz_items.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_enrolments.id", ondelete="SET NULL")
    )
    stage: Mapped[str] = mapped_column(String(6))
    key: Mapped[str] = mapped_column(String(1), default="")  # empty: skipped (# or silence)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # this learner's nth answer to this item
    box_before: Mapped[int | None] = mapped_column(Integer)  # Leitner box when re-asked
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Reask(db.Model):
    """An item in a learner's Leitner schedule: which box, and when it is next due (NULL: learned)."""

    __tablename__ = "learning_reasks"
    __table_args__ = (
        UniqueConstraint("contact_id", "item_id"),
        # today's due items for everyone is one range scan; one learner's due items, another
        Index("ix_learning_reasks_due_at", "due_at", "contact_id", "item_id"),
        Index("ix_learning_reasks_contact_id_due_at", "contact_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("learning_quiz_items.id", ondelete="CASCADE"), index=True)
    box: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutreachCall(db.Model):
    """A learning call placed through campaign dispatch: a weekly lesson, a refresher or an unlearning notice."""

    __tablename__ = "learning_outreach"
    __table_args__ = (
        Index("ix_learning_outreach_contact_id_purpose", "contact_id", "purpose", "created_at"),
    )

    LESSON, REFRESHER, UNLEARNING = "lesson", "refresher", "unlearning"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(db.Model):
    """Proof that a learner finished a course with the pass mark; /verify/<code> shows it."""

    __tablename__ = "learning_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("learning_enrolments.id", ondelete="CASCADE"), unique=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sms_sid: Mapped[str] = mapped_column(String(64), default="")  # set once the SMS went out

    contact: Mapped[Contact] = relationship()
    course: Mapped[Course] = relationship()
    district: Mapped[District | None] = relationship()


class Replacement(db.Model):
    """A lesson retired as replaced by another: its listeners are to hear the new advice once."""

    __tablename__ = "learning_replacements"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), unique=True)
    new_lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(db.Model):
    """One person who heard replaced advice, to be told it changed: pending until they hear the new lesson."""

    __tablename__ = "learning_notices"
    __table_args__ = (UniqueConstraint("replacement_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    replacement_id: Mapped[int] = mapped_column(
        ForeignKey("learning_replacements.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    replacement: Mapped[Replacement] = relationship()
