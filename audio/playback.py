"""What a caller hears: published lessons, their playlists (audio or the line's voice) and signed media URLs."""

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, has_request_context, request
from sqlalchemy import select

from audio.models import Lesson, LessonSegment, LessonTrack
from core import kept_rows
from core.db import db

MEDIA_URL_SECONDS = 6 * 3600  # long enough for a call, short enough that a leaked link dies


@dataclass(frozen=True)
class PlaylistItem:
    segment_id: int
    position: int
    url: str
    duration_seconds: float
    allows_back: bool
    text: str = ""  # words for a synthetic voice (<Say>) when there is no audio to play instead
    voice: str = ""  # the <Say> voice for those words


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
    return [tuple(row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class PublishedLesson:
    """What the phone line's menus need of a published lesson: a plain copy (see published_copies)."""

    id: int
    topic_id: int | None
    kind: str
    source_recording_id: int | None
    title: str  # its track's title in the language asked for


def published_copies(language_code: str, topic_id: int | None = None, kind: str = Lesson.LESSON):
    """published_lessons as plain copies kept per process (core.kept_rows): the line's menus ask at most steps."""
    tables = (Lesson.__tablename__, LessonTrack.__tablename__)
    every = kept_rows.kept(
        f"published_lessons:{language_code}:{kind}", tables, lambda: _copies(language_code, kind)
    )
    return [lesson for lesson in every if topic_id is None or lesson.topic_id == topic_id]


def _copies(language_code: str, kind: str) -> list[PublishedLesson]:
    return [
        PublishedLesson(lesson.id, lesson.topic_id, lesson.kind, lesson.source_recording_id, track.title)
        for lesson, track in published_lessons(language_code, kind=kind)
    ]


def lesson_playlist(lesson_id: int, language_code: str) -> list[PlaylistItem]:
    """The playable segments of a published lesson in one language; empty if retired or missing.

    Read once per request: a key press on a segment builds the screen it answers and then the next one.
    """
    # On the request, not on g: an app context (and its g) can outlive many requests in tests.
    known = request.environ.setdefault("chaupal.playlists", {}) if has_request_context() else {}
    if (lesson_id, language_code) not in known:
        known[lesson_id, language_code] = _read_playlist(lesson_id, language_code)
    return known[lesson_id, language_code]


def _read_playlist(lesson_id: int, language_code: str) -> list[PlaylistItem]:
    query = (
        select(LessonSegment)
        .join(LessonTrack)
        .join(Lesson)
        .where(Lesson.id == lesson_id, Lesson.status == Lesson.PUBLISHED)
        .where(LessonTrack.language_code == language_code)
        .order_by(LessonSegment.position)
    )
    offline = speaks_offline()
    items = [_playlist_item(segment, language_code, offline) for segment in db.session.scalars(query)]
    return [item for item in items if item is not None]


def _playlist_item(segment: LessonSegment, language_code: str, offline: bool) -> PlaylistItem | None:
    """Recorded audio plays; typed words are said by Twilio's voice, or played from espeak-ng offline.

    A typed segment keeps the URL of its offline rendering too, for players that can only play audio.
    """
    url = signed_media_url(segment.playback_key) if segment.playback_key else ""
    say = bool(segment.text) and not (offline and url)
    if not url and not say:
        return None
    text, voice = (segment.text, tts_voice(language_code)) if say else ("", "")
    return PlaylistItem(
        segment.id,
        segment.position,
        url,
        segment.duration_seconds,
        segment.allows_back,
        text=text,
        voice=voice,
    )


def speaks_offline() -> bool:
    """Whether typed words play from their espeak-ng rendering (sandbox, demo) instead of Twilio's <Say>."""
    setting = current_app.config.get("TTS_OFFLINE", "auto")
    if setting == "auto":
        return bool(current_app.config.get("TWILIO_SANDBOX"))
    return setting == "on"


def tts_voice(language_code: str) -> str:
    """The configured Twilio text-to-speech voice for a language ('' lets the language's own voice speak)."""
    return current_app.config.get(f"TTS_VOICE_{language_code.upper()}", "")


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


def staff_may_hear(key: str) -> bool:
    """True for keys of audio that staff pages play (recordings, lessons, prompts)."""
    return key.split("/", 1)[0] in ("recordings", "lessons", "prompts")
