"""Campaign rows: what to send to whom and when, each run of it, and one outbox row per send attempt."""

import json
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.models import Contact, District, StaffUser


class UTCDateTime(TypeDecorator):
    """Aware datetimes, stored in UTC on every database (SQLite keeps no zone, so it must be UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


campaign_districts = Table(
    "campaign_districts",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(db.Model):
    """A broadcast an officer prepares: content, audience filter (as data), schedule and calling window."""

    __tablename__ = "campaigns"

    VOICE, SMS, BOTH = "voice", "sms", "both"
    KINDS = (VOICE, SMS, BOTH)
    LESSON, STORY, DIGEST, NO_AUDIO = "lesson", "story", "digest", "none"
    CONTENTS = (LESSON, STORY, DIGEST, NO_AUDIO)
    NOW, AT, WEEKLY = "now", "at", "weekly"
    SCHEDULES = (NOW, AT, WEEKLY)
    DRAFT, SCHEDULED, RUNNING, PAUSED, CANCELLED, DONE = (
        "draft",
        "scheduled",
        "running",
        "paused",
        "cancelled",
        "done",
    )
    # what to do when answering-machine detection says a machine answered
    MACHINE_OFF, MACHINE_HANGUP, MACHINE_PLAY = "off", "hangup", "play"
    MACHINE_ACTIONS = (MACHINE_OFF, MACHINE_HANGUP, MACHINE_PLAY)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default=VOICE)
    content: Mapped[str] = mapped_column(String(10), default=LESSON)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    sms_templates: Mapped[str] = mapped_column(Text, default="{}")  # JSON {language code: template}
    audience: Mapped[str] = mapped_column(Text, default="{}")  # JSON filter, see campaigns.audience
    schedule: Mapped[str] = mapped_column(String(10), default=NOW)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # AT: when; WEEKLY: first
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[str] = mapped_column(String(5), default="10:00")  # local time in TIMEZONE
    window_end: Mapped[str] = mapped_column(String(5), default="18:00")
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_minutes: Mapped[int] = mapped_column(Integer, default=60)
    machine_action: Mapped[str] = mapped_column(String(10), default=MACHINE_OFF)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[StaffUser | None] = relationship()
    districts: Mapped[list[District]] = relationship(secondary=campaign_districts)
    runs: Mapped[list["CampaignRun"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignRun.id"
    )

    @property
    def filters(self) -> dict:
        return json.loads(self.audience or "{}")

    @property
    def templates(self) -> dict[str, str]:
        return json.loads(self.sms_templates or "{}")

    @property
    def sends_voice(self) -> bool:
        return self.kind in (self.VOICE, self.BOTH)

    @property
    def sends_sms(self) -> bool:
        return self.kind in (self.SMS, self.BOTH)

    @property
    def editable(self) -> bool:
        return self.status in (self.DRAFT, self.SCHEDULED, self.PAUSED)


class CampaignListMember(db.Model):
    """A contact named in the list an officer uploaded for a campaign."""

    __tablename__ = "campaign_list_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)


class CampaignRun(db.Model):
    """One occurrence of a campaign (a recurring campaign has one per week)."""

    __tablename__ = "campaign_runs"
    __table_args__ = (UniqueConstraint("campaign_id", "scheduled_for"),)

    RUNNING, DONE, CANCELLED = "running", "done", "cancelled"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=RUNNING, index=True)
    audience_size: Mapped[int] = mapped_column(Integer, default=0)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)  # a test-send to the officer's phone
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship(back_populates="runs")


class Delivery(db.Model):
    """The outbox: one row per (run, contact, channel, attempt), written before anything is sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "contact_id", "channel", "attempt"),
        Index("ix_deliveries_run_id_state", "run_id", "state"),
        Index("ix_deliveries_created_at", "created_at"),  # campaign reach on the analytics pages
    )

    VOICE, SMS = "voice", "sms"
    # states, in precedence order: a callback never moves a row to a lower rank
    QUEUED, SENDING, SENT, RINGING, ANSWERED = "queued", "sending", "sent", "ringing", "answered"
    COMPLETED, DELIVERED = "completed", "delivered"
    NO_ANSWER, BUSY, FAILED, UNDELIVERED, CANCELED, SKIPPED = (
        "no_answer",
        "busy",
        "failed",
        "undelivered",
        "canceled",
        "skipped",
    )
    RANK = {QUEUED: 0, SENDING: 1, SENT: 2, RINGING: 3, ANSWERED: 4}
    TERMINAL = (COMPLETED, DELIVERED, NO_ANSWER, BUSY, FAILED, UNDELIVERED, CANCELED, SKIPPED)
    IN_FLIGHT = (SENT, RINGING, ANSWERED)
    RETRYABLE = (NO_ANSWER, BUSY, FAILED)  # call outcomes worth another attempt
    USEFUL, NOT_USEFUL = "useful", "not_useful"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(5))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default=QUEUED)
    reason: Mapped[str] = mapped_column(String(40), default="")  # code, e.g. twilio_21211, opted_out
    reason_detail: Mapped[str] = mapped_column(Text, default="")  # for people
    error_code: Mapped[int | None] = mapped_column(Integer)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(20), default="")  # human, machine_start, ...
    listened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    segments: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    run: Mapped[CampaignRun] = relationship()
    campaign: Mapped[Campaign] = relationship()
    contact: Mapped[Contact] = relationship()

    @property
    def terminal(self) -> bool:
        return self.state in self.TERMINAL

    def rank(self, state: str) -> int:
        return 9 if state in self.TERMINAL else self.RANK.get(state, 0)


class Forward(db.Model):
    """A caller's share of a lesson or story with a colleague: one outbound call, inside calling hours."""

    __tablename__ = "forwards"
    __table_args__ = (Index("ix_forwards_created_at", "created_at"),)  # the daily limit, horizontal reach

    PENDING, CALLING, PLACED, REFUSED, FAILED = "pending", "calling", "placed", "refused", "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    to_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    # the sharer's district when they shared: horizontal reach by district survives erasure of the person
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    call_sid: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    from_contact: Mapped[Contact | None] = relationship(foreign_keys=[from_contact_id])
    to_contact: Mapped[Contact | None] = relationship(foreign_keys=[to_contact_id])


class Poll(db.Model):
    """An officer's keypad poll: 1-5 questions, sent as a campaign or offered after a lesson."""

    __tablename__ = "polls"

    MAX_QUESTIONS, MAX_CHOICES = 5, 9

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)  # answers never linked to people
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    after_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    questions: Mapped[list["PollQuestion"]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollQuestion.position"
    )


class PollQuestion(db.Model):
    """One question, typed in Hindi and English (the words name the keys); choices labelled for the results."""

    __tablename__ = "poll_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_hi: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    choices: Mapped[str] = mapped_column(Text, default="")  # labels, one per key from 1, separated by "|"

    poll: Mapped[Poll] = relationship(back_populates="questions")

    @property
    def labels(self) -> list[str]:
        return [label.strip() for label in self.choices.split("|") if label.strip()]

    def text(self, language_code: str) -> str:
        """The words in the language (the other one when it has none)."""
        return (self.text_hi if language_code == "hi" else self.text_en) or self.text_en or self.text_hi


class PollAnswer(db.Model):
    """One key pressed for one question on one call; district, role and language kept for the results."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("question_id", "call_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id", ondelete="CASCADE"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(20), default="")
    language_code: Mapped[str] = mapped_column(String(10), default="")
    choice: Mapped[int] = mapped_column(Integer)
    # people this answer stands for: 1 for a caller's key, the raised hands a motivator counted in a meeting
    hands: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
