"""Retention of callers' audio: old unpublished recordings and orphaned files are deleted on schedule."""

from datetime import timedelta

from sqlalchemy import select

from audio import recording_pipeline, store, voice_erasure
from audio.models import Lesson, Recording
from core.db import db, utcnow

AUDIO_EXPIRED = "audio_expired"  # flag on a recording whose audio the retention job deleted


def expire_old_recordings(days: int, now=None) -> int:
    """Delete the audio of callers' recordings older than `days` unless a published story plays it.

    The row stays (flagged audio_expired) for counts; unpublished stories made from it go too. 0 = keep.
    """
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    published = select(Lesson.source_recording_id).where(
        Lesson.kind == Lesson.STORY,
        Lesson.status == Lesson.PUBLISHED,
        Lesson.source_recording_id.is_not(None),
    )
    old = select(Recording).where(
        Recording.created_at < cutoff,
        Recording.id.not_in(published),
        Recording.kind.in_((Recording.STORY, Recording.QUESTION)),
    )
    expired = [r for r in db.session.scalars(old) if AUDIO_EXPIRED not in r.flags.split(",")]
    for recording in expired:
        for lesson in voice_erasure.stories_from([recording.id], exclude_published=True):
            voice_erasure.delete_story(lesson)
        voice_erasure.delete_recording_files(recording)
        recording.original_key = recording.recognition_key = recording.playback_key = ""
        recording.flags = recording_pipeline.add_flag(recording.flags, AUDIO_EXPIRED)
    db.session.commit()
    return len(expired)


def remove_orphaned_recording_files() -> int:
    """Delete files under recordings/<id>/ whose recording row no longer exists (a job racing an erasure)."""
    by_id: dict[int, list[str]] = {}
    for key in store.keys("recordings/"):
        folder = key.split("/")[1]
        if folder.isdigit():
            by_id.setdefault(int(folder), []).append(key)
    existing = (
        set(db.session.scalars(select(Recording.id).where(Recording.id.in_(by_id)))) if by_id else set()
    )
    orphans = [key for rid, keys in by_id.items() if rid not in existing for key in keys]
    for key in orphans:
        store.delete(key)
    return len(orphans)
