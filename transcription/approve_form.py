"""What the approve form shows: the story as published (title and trim), else the suggested title."""

from dataclasses import dataclass

from sqlalchemy import select

from audio import lesson_library
from audio.models import LessonTrack, Recording
from core.db import db
from transcription.models import Review, TopicTag


@dataclass(frozen=True)
class ApproveForm:
    """The approve form's fields as the curator sees them: seconds as typed ('12.5'), spans '12.5-14, 30-31'."""

    title: str
    start: str = ""
    end: str = ""
    remove: str = ""


def approve_form(recording: Recording, review: Review, tags: list[TopicTag]) -> ApproveForm:
    """The published story's title and cuts once it is published; before that, the first topic's name."""
    track = _published_track(recording, review)
    if track is not None:
        edits = lesson_library.track_edits(track)
        return ApproveForm(
            title=track.title,
            start=seconds(edits["start_ms"]) if edits["start_ms"] else "",
            end=seconds(edits["end_ms"]),
            remove=", ".join(f"{seconds(a)}-{seconds(b)}" for a, b in edits["remove"]),
        )
    first = next((tag for tag in tags if tag.status != TopicTag.REJECTED), None)
    return ApproveForm(title=first.topic.name(recording.language_code or "") if first else "")


def published_story(recording: Recording, review: Review) -> dict:
    """The published story's title and cuts as the audit log stores them; {} before the first publication."""
    track = _published_track(recording, review)
    if track is None:
        return {}
    return {"title": track.title, "cuts": lesson_library.track_edits(track)}


def _published_track(recording: Recording, review: Review) -> LessonTrack | None:
    if not review.lesson_id:
        return None
    tracks = select(LessonTrack).filter_by(lesson_id=review.lesson_id)
    language = recording.language_code or "hi"  # decisions publishes in the recording's language
    return db.session.scalar(tracks.filter_by(language_code=language)) or db.session.scalar(tracks)


def seconds(milliseconds: int | None) -> str:
    """Whole milliseconds as the seconds a curator types: 12500 -> '12.5', 14000 -> '14', None -> ''."""
    if milliseconds is None:
        return ""
    return f"{milliseconds / 1000:.3f}".rstrip("0").rstrip(".")
