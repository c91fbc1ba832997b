"""Listeners' replies to a peer story: which are published (played after the story) and for whom."""

from flask_babel import gettext
from sqlalchemy import select

from audio import playback
from audio.models import Lesson, Recording
from core.db import db
from transcription.models import Review


def cannot_publish(recording: Recording) -> str:
    """Why a recording cannot be published as a reply ('' when it can)."""
    story = db.session.get(Lesson, recording.lesson_id) if recording.lesson_id else None
    if recording.kind != Recording.REPLY or story is None or story.kind != Lesson.STORY:
        return gettext("only a reply to a peer story can be published as a reply")
    if recording.consent == Recording.TRAINERS_ONLY:
        return gettext("the caller agreed to share this recording with trainers only")
    if not recording.playback_key:
        return gettext("this reply has no playable audio yet")
    return ""


def _published():
    return (
        select(Recording)
        .join(Review, Review.recording_id == Recording.id)
        .where(Recording.kind == Recording.REPLY, Review.status == Review.APPROVED)
        .where(Recording.playback_key != "")
        .order_by(Review.published_at, Recording.id)
    )


def published_replies(lesson_id: int) -> list[Recording]:
    """The story's published replies, oldest first."""
    return list(db.session.scalars(_published().where(Recording.lesson_id == lesson_id)))


def replies_to_teller(contact_id: int) -> list[Recording]:
    """Published replies to any story this person told, oldest first."""
    told = select(Lesson.id).join(Recording, Recording.id == Lesson.source_recording_id)
    told = told.where(Recording.contact_id == contact_id)
    return list(db.session.scalars(_published().where(Recording.lesson_id.in_(told))))


def audio_url(recording: Recording) -> str:
    """A signed link to the reply's phone copy, for the line to play."""
    return playback.signed_media_url(recording.playback_key)
