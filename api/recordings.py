"""Callers' recordings with their transcripts and tags, only as far as each caller's consent allows."""

from sqlalchemy import select

from api.access import within
from api.errors import not_found
from api.formats import TIMESTAMP, iso, object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import MAX_ID, Operations
from audio.models import Recording
from core.db import db
from core.models import Contact
from transcription import (
    topic_tags,
)
from transcription.models import TopicTag, Transcript

ops = Operations("recordings")
SHAREABLE = (Recording.NAMED, Recording.ANONYMOUS)  # trainers-only recordings never leave the workspace
RECORDING = {
    "type": "object",
    "required": ["id", "kind", "consent", "contact_id", "transcript", "tags"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "consent": {"type": "string", "enum": list(SHAREABLE)},
        "contact_id": {"type": ["integer", "null"], "description": "Only when the caller agreed to be named"},
        "language": {"type": ["string", "null"]},
        "topic": {"type": ["string", "null"]},
        "duration_seconds": {"type": ["number", "null"]},
        "created_at": TIMESTAMP,
        "transcript": {
            "type": ["object", "null"],
            "properties": {
                "text": {"type": "string"},
                "confidence": {"type": ["number", "null"]},
                "language": {"type": "string"},
            },
        },
        "tags": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"topic": {"type": "string"}, "status": {"type": "string"}},
            },
        },
    },
}
FILTERS = {
    **PAGE_QUERY,
    "kind": {
        "type": "string",
        "enum": [Recording.STORY, Recording.QUESTION, Recording.ANSWER, Recording.UPLOAD],
    },
    "topic_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


def recording_json(recording: Recording) -> dict:
    """A recording with its transcript and tags, as the caller's consent allows."""
    transcript = db.session.scalar(
        select(Transcript).filter_by(recording_id=recording.id, status=Transcript.READY)
    )
    tags = [t for t in topic_tags.tags_for(recording.id) if t.status != TopicTag.REJECTED]
    return {
        "id": recording.id,
        "kind": recording.kind,
        "consent": recording.consent,
        "contact_id": recording.contact_id if recording.consent == Recording.NAMED else None,
        "language": recording.language_code,
        "topic": recording.topic.slug if recording.topic else None,
        "duration_seconds": recording.duration_seconds,
        "created_at": iso(recording.created_at),
        "transcript": _transcript_json(transcript) if transcript else None,
        "tags": [{"topic": t.topic.slug, "status": t.status} for t in tags],
    }


def _transcript_json(transcript: Transcript) -> dict:
    return {
        "text": transcript.text,
        "confidence": transcript.confidence,
        "language": transcript.language_code,
    }


def shareable():
    """Ready recordings whose callers allowed sharing, inside the token's districts (by the caller's)."""
    query = select(Recording).join(Contact, Contact.id == Recording.contact_id)
    query = query.where(Recording.status == Recording.READY, Recording.consent.in_(SHAREABLE))
    return within(query, Contact.district_id)


@ops.get(
    "/recordings",
    "List shareable recordings with transcripts and tags",
    query=FILTERS,
    responses={200: page_of(RECORDING)},
)
def list_recordings(args: dict):
    """One page of shareable recordings, filtered."""
    query = shareable()
    if "kind" in args:
        query = query.where(Recording.kind == args["kind"])
    if "topic_id" in args:
        query = query.where(Recording.topic_id == args["topic_id"])
    return paginate(query, Recording.id, args, recording_json)


@ops.get("/recordings/{recording_id}", "Get a shareable recording", responses={200: RECORDING})
def get_recording(recording_id: int):
    """One shareable recording."""
    recording = db.session.scalar(shareable().where(Recording.id == recording_id))
    if recording is None:
        raise not_found("recording")
    return object_response(recording_json(recording))
