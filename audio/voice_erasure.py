"""Deleting a person's voice: their recordings (every rendition) and the stories made from them."""

from sqlalchemy import select

from audio import store
from audio.models import Lesson, Recording
from core.db import db


def _delete_prefix(prefix: str) -> int:
    """Delete every stored file under a prefix; returns how many."""
    keys = store.keys(prefix)
    for key in keys:
        store.delete(key)
    return len(keys)


def delete_recording_files(recording: Recording) -> int:
    """Delete all of a recording's renditions (and any stray file under its folder)."""
    removed = _delete_prefix(f"recordings/{recording.id}/")
    for key in {recording.original_key, recording.recognition_key, recording.playback_key} - {""}:
        if not key.startswith(f"recordings/{recording.id}/") and store.exists(key):
            store.delete(key)
            removed += 1
    return removed


def delete_story(lesson: Lesson) -> int:
    """Delete a story lesson made from a caller's recording: its rows and every rendered file."""
    removed = _delete_prefix(f"lessons/{lesson.id}/")
    db.session.delete(lesson)
    return removed


def stories_from(recording_ids: list[int], exclude_published: bool = False) -> list[Lesson]:
    query = select(Lesson).where(Lesson.kind == Lesson.STORY, Lesson.source_recording_id.in_(recording_ids))
    if exclude_published:
        query = query.where(Lesson.status != Lesson.PUBLISHED)
    return list(db.session.scalars(query)) if recording_ids else []


def erase_contact_audio(contact_id: int) -> list[str]:
    """Delete a person's recordings (every rendition) and the stories made from them; report lines.

    Files go first and rows after, so a run cut short can simply be run again. The caller commits.
    """
    recordings = list(db.session.scalars(select(Recording).filter_by(contact_id=contact_id)))
    stories = stories_from([r.id for r in recordings])
    files = sum(delete_story(lesson) for lesson in stories)
    for recording in recordings:
        files += delete_recording_files(recording)
        db.session.delete(recording)
    db.session.flush()
    return [
        f"{len(recordings)} recording(s) deleted",
        f"{len(stories)} story(ies) made from them deleted",
        f"{files} audio file(s) deleted from the media store",
    ]
