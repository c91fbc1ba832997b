"""Phone-line rows: calls, callbacks, consent, recording takes, listening and feedback."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.models import Contact


class Call(db.Model):
    """One telephone call (Twilio CallSid); its status only ever moves forward."""

    __tablename__ = "ivr_calls"
    __table_args__ = (
        # the analytics pages: calls in a date range, and each caller's first call
        Index("ix_ivr_calls_started_at_contact_id", "started_at", "contact_id", "language_code"),
        Index("ix_ivr_calls_contact_id_started_at", "contact_id", "started_at"),
    )

    INBOUND, OUTBOUND = "inbound", "outbound"
    QUEUED, INITIATED, RINGING, IN_PROGRESS = "queued", "initiated", "ringing", "in-progress"
    COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED = "completed", "busy", "no-answer", "failed", "canceled"
    ENDED = (COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED)
    # Callbacks arrive unordered; a status is applied only if it ranks above the stored one.
    RANK = {QUEUED: 0, INITIATED: 1, RINGING: 2, IN_PROGRESS: 3, **dict.fromkeys(ENDED, 4)}

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    direction: Mapped[str] = mapped_column(String(10), default=INBOUND)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    language_code: Mapped[str | None] = mapped_column(ForeignKey("languages.code"))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # what this call has already offered or explained (space-separated names): each is said once per call
    offers: Mapped[str] = mapped_column(String(200), default="", server_default="")

    contact: Mapped[Contact | None] = relationship()

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED

    def offered(self, name: str) -> bool:
        """True if this call has already made the offer (or given the explanation) called name."""
        return name in self.offers.split()

    def mark_offered(self, name: str) -> None:
        """Note that the offer called name has been made on this call."""
        if not self.offered(name):
            self.offers = f"{self.offers} {name}".strip()


class Callback(db.Model):
    """A missed call we answer by calling back: pending -> placing -> placed | failed | skipped."""

    __tablename__ = "ivr_callbacks"

    PENDING, PLACING, PLACED, FAILED, SKIPPED = "pending", "placing", "placed", "failed", "skipped"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    missed_call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(64))  # the call we placed
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Consent(db.Model):
    """One consent answer given on the phone: what was asked, in which words, and the key pressed."""

    __tablename__ = "ivr_consents"

    # choices: the three sharing levels of audio.models.Recording, or declined
    NAMED, ANONYMOUS, TRAINERS_ONLY, DECLINED = "named", "anonymous", "trainers_only", "declined"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # story or question (Recording kinds)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    prompt_id: Mapped[str] = mapped_column(String(80))
    prompt_version: Mapped[int] = mapped_column(Integer)
    prompt_text: Mapped[str] = mapped_column(Text)
    language_code: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(4))
    choice: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def given(self) -> bool:
        return self.choice != self.DECLINED


class RecordingTake(db.Model):
    """One <Record> attempt; only a kept take whose file is complete becomes an audio Recording."""

    __tablename__ = "ivr_recording_takes"

    PENDING, KEPT, DISCARDED = "pending", "kept", "discarded"  # the caller's decision
    COMPLETED, ABSENT, FAILED = "completed", "absent", "failed"  # Twilio's RecordingStatus

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("ivr_consents.id", ondelete="CASCADE"), index=True)
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    twilio_status: Mapped[str] = mapped_column(String(20), default="")
    decision: Mapped[str] = mapped_column(String(20), default=PENDING)
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # discarded audio at Twilio

    consent: Mapped[Consent] = relationship()


class ListenEvent(db.Model):
    """A segment of a lesson or story started, completed or skipped by a caller."""

    __tablename__ = "ivr_listen_events"
    __table_args__ = (
        Index("ix_ivr_listen_events_created_at", "created_at"),  # refreshing listen sessions
        # A Twilio retry of the request that caused an event finds its row there and adds none.
        Index(
            "uq_ivr_listen_events_request",
            "call_id",
            "request_key",
            "lesson_id",
            "segment_position",
            "event",
            unique=True,
        ),
    )

    START, COMPLETE, SKIP = "start", "complete", "skip"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    segment_position: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The webhook request that caused the event (ivr.call_records.request_key); None outside a webhook.
    request_key: Mapped[str | None] = mapped_column(String(40))


SUMMARY = ("heard_first", "went_on", "positions")  # ListenSession's figures, kept in its indexes too


class ListenSession(db.Model):
    """One call's listening to one lesson or story, folded from its events for the analytics pages.

    Rebuilt from ListenEvent by ivr.listening_summaries.refresh_listen_sessions (periodic job), never written by calls.
    """

    __tablename__ = "ivr_listen_sessions"
    # a date range over every lesson, or one lesson's range (which also serves the foreign key)
    __table_args__ = (
        UniqueConstraint("call_id", "lesson_id"),
        Index("ix_ivr_listen_sessions_analytics", "started_at", "lesson_id", "contact_id", *SUMMARY),
        Index("ix_ivr_listen_sessions_lesson_id", "lesson_id", "started_at", "contact_id", *SUMMARY),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # its first event
    positions: Mapped[int] = mapped_column(BigInteger, default=0)  # bit n set: segment n was started
    heard_first: Mapped[bool] = mapped_column(Boolean, default=False)  # the first segment was started
    went_on: Mapped[bool] = mapped_column(
        Boolean, default=False
    )  # finished, skipped or left a segment for another


class FirstCall(db.Model):
    """When each caller first called the line (new callers on the analytics pages); kept up by the same refresh."""

    __tablename__ = "ivr_first_calls"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    first_call_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Rollup(db.Model):
    """When a summary table was last brought up to date (the analytics pages state it)."""

    __tablename__ = "ivr_rollups"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LessonProgress(db.Model):
    """How far a caller got in a lesson, so the next call can continue where they left off."""

    __tablename__ = "ivr_lesson_progress"
    __table_args__ = (UniqueConstraint("contact_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # the segment to play next
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Feedback(db.Model):
    """A caller's one-key verdict on a lesson or story: useful or not."""

    __tablename__ = "ivr_feedback"
    __table_args__ = (
        UniqueConstraint("call_id", "lesson_id"),
        Index("ix_ivr_feedback_analytics", "created_at", "lesson_id", "useful", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    useful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TriedIt(db.Model):
    """A caller's "I have done this in my work" about a lesson or story: distinct from finding it useful."""

    __tablename__ = "ivr_tried"
    __table_args__ = (UniqueConstraint("call_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SmsMessage(db.Model):
    """A text message someone sent to the line: a keyword acted on, or free text for curators to read."""

    __tablename__ = "ivr_sms_messages"

    # what the message was understood as (ivr.sms.KEYWORDS); TEXT is anything else
    JOIN, STOP, HELP, CALL_ME, TEXT = "join", "stop", "help", "call_me", "text"
    NEW, READ = "new", "read"  # curators' handling of free text

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(20), default=TEXT, index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=NEW, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    contact: Mapped[Contact | None] = relationship()


class Erasure(db.Model):
    """A request to delete everything about one person: pending -> done, with what was removed.

    A failed attempt stays pending with its reason; the job's retries and the sweeper run it again.

    contact_id is a plain number, not a link: the contact row is gone once the erasure is done.
    """

    __tablename__ = "ivr_erasures"

    PENDING, DONE = "pending", "done"
    # who asked: the caller on the phone, a staff member on the contact page, an operator's command,
    # or a staff member on the phone simulator from one of their own test phones (staff_id says who)
    BY_CALLER, BY_STAFF, BY_COMMAND, BY_SIMULATOR = "caller", "staff", "command", "simulator"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    # they had opted out before asking: the opt-out outlives the erasure (a fingerprint, not the number)
    keeps_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    report: Mapped[str] = mapped_column(Text, default="")  # one line per thing removed, counts only
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def lines(self) -> list[str]:
        return [line for line in self.report.splitlines() if line]


class PromptText(db.Model):
    """An admin's wording of a prompt in one language, replacing the shipped text; versions go on from it."""

    __tablename__ = "ivr_prompt_texts"
    __table_args__ = (UniqueConstraint("prompt_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(80))
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class MeetingListen(db.Model):
    """A lesson or story played to a village meeting: every attendee counted as a group listener."""

    __tablename__ = "ivr_meeting_listens"
    __table_args__ = (UniqueConstraint("call_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)  # people listening, typed by the motivator
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
