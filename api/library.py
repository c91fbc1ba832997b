"""Topics, lessons and stories: metadata, and the phone-ready audio behind the token."""

from flask import redirect, url_for
from sqlalchemy import select

from api.access import district_ids
from api.errors import ApiError, not_found
from api.formats import TIMESTAMP, iso, object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import MAX_ID, Operations
from audio import playback
from audio.models import Lesson, LessonTrack, Recording
from core.db import db
from core.models import Contact, Topic

ops = Operations("library")
AUDIO_URL_SECONDS = 300  # the redirect's signed link lives five minutes: long enough to download
TOPIC = {
    "type": "object",
    "required": ["id", "slug", "name_en", "name_hi", "parent_id", "active"],
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "name_en": {"type": "string"},
        "name_hi": {"type": "string"},
        "parent_id": {"type": ["integer", "null"]},
        "active": {"type": "boolean"},
    },
}
TRACK = {
    "type": "object",
    "required": ["language", "title", "duration_seconds", "audio_url"],
    "properties": {
        "language": {"type": "string"},
        "title": {"type": "string"},
        "duration_seconds": {"type": "number"},
        "audio_url": {"type": ["string", "null"], "description": "Needs the token; redirects to the file"},
    },
}
LESSON = {
    "type": "object",
    "required": ["id", "kind", "status", "topic", "level", "tracks"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [Lesson.LESSON, Lesson.STORY]},
        "status": {"type": "string"},
        "topic": {"type": ["string", "null"]},
        "level": {"type": "integer"},
        "contributor_name": {"type": "string"},
        "published_at": TIMESTAMP,
        "tracks": {"type": "array", "items": TRACK},
    },
}
LESSON_FILTERS = {
    **PAGE_QUERY,
    "topic_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "status": {"type": "string", "enum": [Lesson.PUBLISHED, Lesson.RETIRED], "default": Lesson.PUBLISHED},
}
AUDIO_QUERY = {"language": {"type": "string", "maxLength": 8, "description": "The track's language code"}}


def topic_json(topic: Topic) -> dict:
    """A topic as the API shows it."""
    return {
        "id": topic.id,
        "slug": topic.slug,
        "name_en": topic.name_en,
        "name_hi": topic.name_hi,
        "parent_id": topic.parent_id,
        "active": topic.active,
    }


def lesson_json(lesson: Lesson) -> dict:
    """A lesson or story with its tracks, as the API shows it."""
    return {
        "id": lesson.id,
        "kind": lesson.kind,
        "status": lesson.status,
        "topic": lesson.topic.slug if lesson.topic else None,
        "level": lesson.level,
        "contributor_name": lesson.contributor_name,
        "published_at": iso(lesson.published_at),
        "tracks": [_track_json(lesson, t) for t in sorted(lesson.tracks, key=lambda t: t.language_code)],
    }


def _track_json(lesson: Lesson, track: LessonTrack) -> dict:
    url = url_for("api.lesson_audio", lesson_id=lesson.id, language=track.language_code, _external=True)
    return {
        "language": track.language_code,
        "title": track.title,
        "duration_seconds": track.duration_seconds,
        "audio_url": url if track.playback_key else None,
    }


@ops.get("/topics", "List topics", query=PAGE_QUERY, responses={200: page_of(TOPIC)})
def list_topics(args: dict):
    """One page of topics."""
    return paginate(select(Topic), Topic.id, args, topic_json)


def _lessons(kind: str, args: dict):
    query = select(Lesson).where(Lesson.kind == kind, Lesson.status == args.get("status", Lesson.PUBLISHED))
    if "topic_id" in args:
        query = query.where(Lesson.topic_id == args["topic_id"])
    if kind == Lesson.STORY:
        query = _stories_within(query)
    return paginate(query, Lesson.id, args, lesson_json)


def _stories_within(query):
    """A story belongs to its caller's district: district tokens see only their districts' stories."""
    allowed = district_ids()
    if allowed is None:
        return query
    callers = select(Recording.id).join(Contact, Contact.id == Recording.contact_id)
    return query.where(
        Lesson.source_recording_id.in_(callers.where(Contact.district_id.in_(allowed or {-1})))
    )


def visible_lesson(lesson_id: int) -> Lesson:
    """A published or retired lesson or story the token may see; 404 otherwise."""
    query = select(Lesson).where(Lesson.id == lesson_id, Lesson.status != Lesson.DRAFT)
    lesson = db.session.scalar(query)
    if lesson is not None and lesson.kind == Lesson.STORY:
        lesson = db.session.scalar(_stories_within(query))
    if lesson is None:
        raise not_found("lesson")
    return lesson


@ops.get("/lessons", "List published lessons", query=LESSON_FILTERS, responses={200: page_of(LESSON)})
def list_lessons(args: dict):
    """One page of lessons."""
    return _lessons(Lesson.LESSON, args)


@ops.get("/stories", "List published peer stories", query=LESSON_FILTERS, responses={200: page_of(LESSON)})
def list_stories(args: dict):
    """One page of the token's districts' stories."""
    return _lessons(Lesson.STORY, args)


@ops.get("/lessons/{lesson_id}", "Get a lesson or story", responses={200: LESSON})
def get_lesson(lesson_id: int):
    """One lesson or story."""
    return object_response(lesson_json(visible_lesson(lesson_id)))


@ops.get(
    "/lessons/{lesson_id}/audio",
    "The phone-ready audio of a lesson or story in one language",
    query=AUDIO_QUERY,
    responses={302: None},
)
def lesson_audio(lesson_id: int, args: dict):
    """A redirect to a short-lived signed link to the track's phone-ready audio."""
    lesson = visible_lesson(lesson_id)
    track = next((t for t in lesson.tracks if t.language_code == args.get("language")), None)
    if track is None or not track.playback_key:
        raise ApiError(404, "not_found", "No audio in that language.", field="language")
    return redirect(playback.signed_media_url(track.playback_key, AUDIO_URL_SECONDS))
