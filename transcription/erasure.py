"""A person's part of the curators' world, deleted when they ask to be forgotten."""

from sqlalchemy import delete, select

from audio.models import Recording
from core.db import db
from transcription.models import ContributorPreference, Question, Recognition, Review, TopicTag, Transcript


def erase_contact(contact_id: int) -> list[str]:
    """Delete transcripts, tags, reviews and questions of the person's recordings, and their thank-yous.

    Report lines carry counts only; the caller commits. Runs before audio deletes the recordings.
    """
    recordings = select(Recording.id).where(Recording.contact_id == contact_id).scalar_subquery()
    by_recording = {
        "transcript(s)": Transcript,
        "topic tag(s)": TopicTag,
        "review(s)": Review,
        "help-desk question(s)": Question,
    }
    by_contact = {"thank-you message record(s)": Recognition, "message preference(s)": ContributorPreference}
    counts = {
        what: db.session.execute(delete(model).where(model.recording_id.in_(recordings))).rowcount
        for what, model in by_recording.items()
    }
    counts |= {
        what: db.session.execute(delete(model).where(model.contact_id == contact_id)).rowcount
        for what, model in by_contact.items()
    }
    return [f"{count} {what} deleted" for what, count in counts.items()]
