"""Transcripts, topic tags and lexicon; curators' reviews, help-desk questions, recognition and audit."""

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audio.models import Recording
from core.db import db, utcnow
from core.models import StaffUser, Topic

# Full-text search lives outside the models: an FTS5 virtual table (plus its shadow tables) on
# SQLite and an expression GIN index on PostgreSQL, created by raw SQL in the migration because
# SQLAlchemy cannot describe either. Migration comparison skips these names (core.db.include_name).
SEARCH_TABLE = "transcript_search"
SEARCH_INDEX = "ix_transcripts_search"
db.metadata.info.setdefault("unmanaged", set()).update({SEARCH_TABLE, SEARCH_INDEX})


class Transcript(db.Model):
    """What the speech recogniser heard in one recording, how well, and where it sits in review."""

    __tablename__ = "transcripts"

    # states: pending (being transcribed) -> ready | failed with a reason
    PENDING, READY, FAILED = "pending", "ready", "failed"
    # quality flags (comma-separated in `flags`)
    EMPTY, LOW_CONFIDENCE, MOSTLY_SILENCE = "empty", "low_confidence", "mostly_silence"
    CLIPPING, SHORT_SPEECH, DEMO_MODEL, NO_MODEL = "clipping", "short_speech", "demo_model", "no_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    language_code: Mapped[str] = mapped_column(String(8), default="")  # the recording's language
    model_language: Mapped[str] = mapped_column(String(8), default="")  # whose model heard it
    model_name: Mapped[str] = mapped_column(String(120), default="")
    model_version: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[word, start, end, confidence], ...]
    confidence: Mapped[float | None] = mapped_column(Float)  # mean word confidence
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    speech_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    silence_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    clipping_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    real_time_factor: Mapped[float | None] = mapped_column(Float)  # decoding seconds per audio second
    flags: Mapped[str] = mapped_column(String(200), default="")
    needs_listening: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    priority: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")  # the curator's, searchable
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    transcribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    recording: Mapped[Recording] = relationship()
    reviewed_by: Mapped[StaffUser | None] = relationship()

    @property
    def flag_list(self) -> list[str]:
        return [flag for flag in self.flags.split(",") if flag]


class TopicTag(db.Model):
    """A topic suggested for (or given to) a recording, with its evidence and the curator's decision."""

    __tablename__ = "topic_tags"
    __table_args__ = (UniqueConstraint("recording_id", "topic_id", "source"),)

    # where the suggestion came from
    ASR_KEYWORDS, MENU, LESSON, CURATOR = "asr-keywords", "menu", "lesson", "curator"
    SOURCES = (ASR_KEYWORDS, MENU, LESSON, CURATOR)
    # curator decision
    SUGGESTED, ACCEPTED, REJECTED = "suggested", "accepted", "rejected"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    keywords: Mapped[str] = mapped_column(String(500), default="")  # comma-separated evidence
    status: Mapped[str] = mapped_column(String(20), default=SUGGESTED, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    topic: Mapped[Topic] = relationship()

    @property
    def keyword_list(self) -> list[str]:
        return [keyword for keyword in self.keywords.split(",") if keyword]


class TopicKeyword(db.Model):
    """A word or phrase that points to a topic in one language; '*' at the end matches any ending."""

    __tablename__ = "topic_keywords"
    __table_args__ = (UniqueConstraint("topic_id", "language_code", "keyword"),)

    SEED, ADMIN = "seed", "admin"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"), index=True)
    keyword: Mapped[str] = mapped_column(String(120))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[str] = mapped_column(String(20), default=SEED)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    topic: Mapped[Topic] = relationship()


class Review(db.Model):
    """A curator's decision on one recording; `version` stops two curators overwriting each other."""

    __tablename__ = "reviews"

    # decisions: new (nobody decided yet) -> approved | rejected | question | trainers_only
    NEW, APPROVED, REJECTED, QUESTION, TRAINERS_ONLY = (
        "new",
        "approved",
        "rejected",
        "question",
        "trainers_only",
    )
    STATUSES = (NEW, APPROVED, REJECTED, QUESTION, TRAINERS_ONLY)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=NEW, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    text_edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a curator corrected it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recording: Mapped[Recording] = relationship()
    decided_by: Mapped[StaffUser | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class Question(db.Model):
    """A caller's question routed to the help desk, the expert's audio answer and its delivery."""

    __tablename__ = "helpdesk_questions"

    # open -> answered (audio saved) -> delivered (the callback was answered) | failed | skipped
    OPEN, ANSWERED, CALLING, DELIVERED, FAILED, SKIPPED = (
        "open",
        "answered",
        "calling",
        "delivered",
        "failed",
        "skipped",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), unique=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    answer_key: Mapped[str] = mapped_column(String(300), default="")  # 8 kHz phone copy in the store
    answer_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    call_sid: Mapped[str] = mapped_column(String(64), default="")
    sms_sid: Mapped[str] = mapped_column(String(64), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the asker heard it
    call_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # callbacks placed
    next_call_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )  # not before (hours, retry)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    recording: Mapped[Recording] = relationship()
    topic: Mapped[Topic | None] = relationship()
    expert: Mapped[StaffUser | None] = relationship()


class ExpertTopic(db.Model):
    """A topic an expert answers questions on: their help-desk queue."""

    __tablename__ = "expert_topics"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)


class ContributorPreference(db.Model):
    """Whether a contributor wants thank-you messages; off when they ask us to stop."""

    __tablename__ = "contributor_preferences"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    recognition: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Recognition(db.Model):
    """One thank-you to a contributor (story published, or a listening, useful or tried milestone), sent at most once."""

    __tablename__ = "recognitions"
    __table_args__ = (UniqueConstraint("lesson_id", "kind", "milestone"),)

    PUBLISHED, MILESTONE = "published", "milestone"
    USEFUL, TRIED = "useful", "tried"  # milestones of listeners who found a story useful, or have tried it
    REPLY = "reply"  # a reply to the story was published (milestone: the story's published replies)
    PENDING, SENDING, SENT, SKIPPED, FAILED = "pending", "sending", "sent", "skipped", "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    milestone: Mapped[int] = mapped_column(Integer, default=0)  # listeners reached (milestones only)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    sms_sid: Mapped[str] = mapped_column(String(64), default="")
    call_sid: Mapped[str] = mapped_column(String(64), default="")  # the short thank-you call, if made
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(db.Model):
    """Who did what to which object, when, with the values before and after (JSON)."""

    __tablename__ = "curator_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer, index=True)
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    staff: Mapped[StaffUser | None] = relationship()

    @classmethod
    def record(cls, staff: StaffUser | None, action: str, obj, before: dict, after: dict) -> "AuditEntry":
        """Add one entry for a change to obj (any row with an id); the caller commits with the change."""
        entry = cls(
            staff_id=staff.id if staff else None,
            action=action,
            object_type=obj.__tablename__,
            object_id=obj.id,
            before=json.dumps(before, ensure_ascii=False, default=str),
            after=json.dumps(after, ensure_ascii=False, default=str),
        )
        db.session.add(entry)
        return entry
