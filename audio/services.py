"""Audio domain operations: register recordings, find playable lessons, sign media URLs."""

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audio.models import Lesson, LessonSegment, LessonTrack, PromptAudio, Recording
from core import queue
from core.db import db

MEDIA_URL_SECONDS = 6 * 3600  # long enough for a call, short enough that a leaked link dies


@dataclass(frozen=True)
class PlaylistItem:
    segment_id: int
    position: int
    url: str
    duration_seconds: float
    allows_back: bool


def register_recording(recording_sid: str, **fields) -> tuple[Recording, bool]:
    """Get or create the row for a Twilio recording; a new row's download is enqueued after commit."""
    existing = db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))
    if existing is not None:
        return existing, False
    recording = Recording(recording_sid=recording_sid, status=Recording.PENDING, **fields)
    db.session.add(recording)
    try:
        db.session.flush()
    except IntegrityError:
        # The same callback delivered twice at once: the other request created the row.
        db.session.rollback()
        return db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid)), False
    queue.enqueue_after_commit("audio", "audio.jobs.fetch_recording", recording.id)
    db.session.commit()
    return recording, True


def published_lessons(language_code: str, topic_id: int | None = None, kind: str = Lesson.LESSON):
    """Published lessons (or stories) with a track in the language, in menu order: [(lesson, track)]."""
    query = (
        select(Lesson, LessonTrack)
        .join(LessonTrack, LessonTrack.lesson_id == Lesson.id)
        .where(Lesson.status == Lesson.PUBLISHED, Lesson.kind == kind)
        .where(LessonTrack.language_code == language_code)
        .order_by(Lesson.position, Lesson.published_at.desc(), Lesson.id)
    )
    if topic_id is not None:
        query = query.where(Lesson.topic_id == topic_id)
    return list(db.session.execute(query).tuples())


def lesson_playlist(lesson_id: int, language_code: str) -> list[PlaylistItem]:
    """The playable segments of a published lesson in one language; empty if retired or missing."""
    query = (
        select(LessonSegment)
        .join(LessonTrack)
        .join(Lesson)
        .where(Lesson.id == lesson_id, Lesson.status == Lesson.PUBLISHED)
        .where(LessonTrack.language_code == language_code)
        .order_by(LessonSegment.position)
    )
    return [
        PlaylistItem(s.id, s.position, signed_media_url(s.playback_key), s.duration_seconds, s.allows_back)
        for s in db.session.scalars(query)
        if s.playback_key
    ]


def prompt_audio_url(prompt_id: str, language_code: str) -> str | None:
    """Signed URL of an uploaded recording of the prompt, or None to fall back to speech."""
    key = db.session.scalar(
        select(PromptAudio.playback_key).filter_by(prompt_id=prompt_id, language_code=language_code)
    )
    return signed_media_url(key) if key else None


def _media_signature(key: str, expires: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"media:{key}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_media_url(key: str, seconds: int = MEDIA_URL_SECONDS, now: float | None = None) -> str:
    """An absolute, expiring, HMAC-signed URL Twilio can fetch without logging in."""
    expires = int((now or time.time()) + seconds)
    query = urlencode({"e": expires, "s": _media_signature(key, expires)})
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/media/{key}?{query}"


def media_signature_is_valid(key: str, expires: str, signature: str, now: float | None = None) -> bool:
    """True if the signature matches the key and expiry and the link has not expired."""
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    return hmac.compare_digest(_media_signature(key, int(expires)), signature)
