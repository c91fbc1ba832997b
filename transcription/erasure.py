"""A person's part of the curators' world, deleted when they ask to be forgotten."""

import json

from sqlalchemy import delete, or_, select, update

from audio.models import Recording
from core.db import db
from transcription.models import (
    AuditEntry,
    ContributorPreference,
    Question,
    Recognition,
    Review,
    TopicTag,
    Transcript,
)

# What an audit entry about an erased person says instead of the values before and after.
ERASED = json.dumps({"erased": "personal details removed at the person's request"})


def erase_contact(contact_id: int) -> list[str]:
    """Delete transcripts, tags, reviews and questions of the person's recordings, and their thank-yous.

    Report lines carry counts only; the caller commits. Runs before audio deletes the recordings.
    """
    scrubbed = scrub_audit_log(contact_id)  # first: it finds their transcripts and reviews
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
    return [f"{count} {what} deleted" for what, count in counts.items()] + [
        f"{scrubbed} curator audit entr(ies) about them kept without their words"
    ]


def scrub_audit_log(contact_id: int) -> int:
    """Replace the before/after values of every audit entry about the person with a marker; returns how many.

    Who did what and when stays (the curators' accountability); transcript text, notes and names go.
    """
    recordings = select(Recording.id).where(Recording.contact_id == contact_id)
    objects = {
        Recording.__tablename__: recordings,
        Transcript.__tablename__: select(Transcript.id).where(Transcript.recording_id.in_(recordings)),
        Review.__tablename__: select(Review.id).where(Review.recording_id.in_(recordings)),
        Question.__tablename__: select(Question.id).where(Question.recording_id.in_(recordings)),
    }
    about_them = [
        (AuditEntry.object_type == table) & AuditEntry.object_id.in_(ids) for table, ids in objects.items()
    ]
    about_them.append((AuditEntry.object_type == "contacts") & (AuditEntry.object_id == contact_id))
    result = db.session.execute(
        update(AuditEntry).where(or_(*about_them)).values(before=ERASED, after=ERASED),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount
