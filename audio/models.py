"""Audio rows: caller recordings, lessons with their segments, and prompt audio."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.models import Contact, Topic


class Recording(db.Model):
    """A caller's recording (story, question or expert answer); bytes live in the store."""

    __tablename__ = "recordings"

    # kinds
    STORY, QUESTION, ANSWER, UPLOAD = "story", "question", "answer", "upload"
    NAME = "name"  # a caller saying their own name, played before their stories (only with their consent)
    REPLY = "reply"  # a listener's reply to a peer story (lesson_id: the story)
    # consent given on the phone before recording
    NAMED, ANONYMOUS, TRAINERS_ONLY = "named", "anonymous", "trainers_only"
    # processing states: pending -> downloading -> ready | failed
    PENDING, DOWNLOADING, READY, FAILED = "pending", "downloading", "ready", "failed"
    # reason codes for failed (and flagged) recordings
    EMPTY, TOO_SHORT, SILENCE, NOT_AUDIO = "empty", "too_short", "silence_only", "not_audio"
    TRUNCATED, TOO_LONG, DECODE_FAILED = "truncated", "too_long", "decode_failed"
    DECODE_TIMEOUT = "decode_timeout"  # probing or decoding ran past its time limit
    DOWNLOAD_REFUSED, DOWNLOAD_FAILED = "download_refused", "download_failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=STORY)
    consent: Mapped[str] = mapped_column(String(20), default=ANONYMOUS)
    language_code: Mapped[str | None] = mapped_column(ForeignKey("languages.code"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    reported_seconds: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
    reason_detail: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[str] = mapped_column(String(200), default="")  # comma-separated, e.g. too_long
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    original_key: Mapped[str] = mapped_column(String(300), default="")
    recognition_key: Mapped[str] = mapped_column(String(300), default="")  # 16 kHz mono PCM WAV
    playback_key: Mapped[str] = mapped_column(String(300), default="")  # 8 kHz phone copy
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contact: Mapped[Contact | None] = relationship()
    topic: Mapped[Topic | None] = relationship()


class Lesson(db.Model):
    """A short audio lesson; retiring it removes it from every menu and playlist at once."""

    __tablename__ = "lessons"

    DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
    LESSON, STORY = "lesson", "story"  # a published peer story is played like a lesson

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=LESSON, index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    source_recording_id: Mapped[int | None] = mapped_column(
        ForeignKey("recordings.id", ondelete="SET NULL", use_alter=True)
    )
    contributor_name: Mapped[str] = mapped_column(String(120), default="")  # spoken only if consented
    position: Mapped[int] = mapped_column(Integer, default=0)
    # the script file name (without language) of a starter-library lesson; its scripts live in the repo
    starter_slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    topic: Mapped[Topic | None] = relationship()
    tracks: Mapped[list["LessonTrack"]] = relationship(back_populates="lesson", cascade="all, delete-orphan")


class LessonTrack(db.Model):
    """A lesson's audio and title in one language."""

    __tablename__ = "lesson_tracks"
    __table_args__ = (UniqueConstraint("lesson_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    title: Mapped[str] = mapped_column(String(200))
    original_key: Mapped[str] = mapped_column(String(300), default="")
    playback_key: Mapped[str] = mapped_column(String(300), default="")
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    edits: Mapped[str] = mapped_column(Text, default="")  # JSON list of non-destructive cuts
    # a typed lesson's words, segments separated by blank lines; spoken by a synthetic voice
    script: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship(back_populates="tracks")
    segments: Mapped[list["LessonSegment"]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="LessonSegment.position"
    )

    @property
    def synthetic(self) -> bool:
        """Spoken from its script by text-to-speech until a curator attaches recorded audio."""
        return bool(self.script) and not self.original_key


class LessonSegment(db.Model):
    """One playable piece (at most ~90 s) of a lesson track."""

    __tablename__ = "lesson_segments"
    __table_args__ = (UniqueConstraint("track_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("lesson_tracks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    playback_key: Mapped[str] = mapped_column(String(300), default="")
    allows_back: Mapped[bool] = mapped_column(Boolean, default=True)
    # words a synthetic voice speaks (typed lessons); playback_key then holds their offline rendering
    text: Mapped[str] = mapped_column(Text, default="")

    track: Mapped[LessonTrack] = relationship(back_populates="segments")

    @property
    def duration_seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


class PromptAudio(db.Model):
    """Recorded audio for one IVR prompt in one language; without it the IVR speaks the text."""

    __tablename__ = "prompt_audio"
    __table_args__ = (UniqueConstraint("prompt_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(80), index=True)
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    playback_key: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
