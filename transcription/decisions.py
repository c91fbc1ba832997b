"""Curators' decisions on a recording (one Review, guarded by its version): publish, reject, keep, question."""

from contextlib import contextmanager

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audio import lesson_library
from audio.models import Lesson, Recording
from core.db import db, utcnow
from core.models import StaffUser
from transcription import approve_form, helpdesk, labels, recognition, replies, review_queue, topic_tags
from transcription.models import AuditEntry, Review, TopicTag, Transcript


class ReviewError(ValueError):
    """A curator's action cannot be done; the message says why in plain words."""


class ConflictError(ReviewError):
    """Another curator changed the recording since this page was loaded."""


def review_for(recording_id: int) -> Review:
    """The recording's review row, created (status new) on first use."""
    review = db.session.scalar(select(Review).filter_by(recording_id=recording_id))
    if review is not None:
        return review
    if db.session.get(Recording, recording_id) is None:
        raise LookupError(f"no recording with id {recording_id}")
    review = Review(recording_id=recording_id, status=Review.NEW)
    db.session.add(review)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # opened by two curators at once: the other request made it
        return db.session.scalar(select(Review).filter_by(recording_id=recording_id))
    return review


def _guarded(recording_id: int, version: int | None) -> Review:
    """The review, if nobody changed it since the curator's page showed `version`."""
    review = review_for(recording_id)
    if version is None or version != review.version:
        raise ConflictError(_conflict_message(review))
    return review


def _conflict_message(review: Review) -> str:
    staff = review.decided_by
    who = (staff.name or staff.username) if staff else gettext("another curator")
    return gettext(
        "%(who)s changed this recording while you had it open (now: %(status)s). "
        "Your change was not saved; the page shows their version, decide again if still needed.",
        who=who,
        status=labels.review_status(review.status),
    )


@contextmanager
def _conflicts(recording_id: int):
    """Commit the changes made inside; a concurrent change by someone else becomes a ConflictError."""
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise ConflictError(_conflict_message(review_for(recording_id))) from error


def _review_state(review: Review) -> dict:
    return {"status": review.status, "reason": review.reason, "lesson_id": review.lesson_id}


def _set_decision(review: Review, status: str, staff: StaffUser, reason: str = "") -> dict:
    """Set the decision on the row (not committed) and return the state before it."""
    before = _review_state(review)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=review.recording_id))
    review.status = status
    review.reason = reason
    review.decided_by_id = staff.id
    review.decided_at = utcnow()
    if transcript is not None:
        transcript.reviewed_at = review.decided_at
        transcript.reviewed_by_id = staff.id
    return before


def _retire_story(review: Review) -> None:
    # A story taken back (rejected, kept for trainers) leaves every menu at once; called only
    # after the decision committed, so a refused decision never takes a story off the line.
    lesson = db.session.get(Lesson, review.lesson_id) if review.lesson_id else None
    if lesson is not None and lesson.status == Lesson.PUBLISHED:
        lesson_library.set_lesson_status(lesson.id, Lesson.RETIRED)


def reject(recording_id: int, version: int | None, staff: StaffUser, reason: str) -> Review:
    """Reject a recording with a reason the team can read later."""
    if not (reason or "").strip():
        raise ReviewError(gettext("say why the recording is rejected"))
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        before = _set_decision(review, Review.REJECTED, staff, reason.strip())
        AuditEntry.record(staff, "reject", review, before, _review_state(review))
    _retire_story(review)
    return review


def keep_for_trainers(recording_id: int, version: int | None, staff: StaffUser) -> Review:
    """Keep a recording for trainers only: never played on the line."""
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        before = _set_decision(review, Review.TRAINERS_ONLY, staff)
        AuditEntry.record(staff, "keep_for_trainers", review, before, _review_state(review))
    _retire_story(review)
    return review


def mark_question(recording_id: int, version: int | None, staff: StaffUser, topic_id: int | None) -> Review:
    """Send a recording to the help desk, into the expert queue of its topic."""
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        helpdesk.route_question(review.recording, topic_id, staff)
        before = _set_decision(review, Review.QUESTION, staff)
        AuditEntry.record(staff, "mark_question", review, before, _review_state(review))
    _retire_story(review)
    return review


def save_transcript_text(recording_id: int, version: int | None, staff: StaffUser, new_text: str) -> Review:
    """A curator's correction of the transcript (kept when the recording is transcribed again)."""
    review = _guarded(recording_id, version)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if transcript is None:
        raise ReviewError(gettext("this recording has no transcript yet"))
    before, new_text = transcript.text, " ".join((new_text or "").split())
    with _conflicts(recording_id):
        transcript.text = new_text
        review.text_edited_at = utcnow()
        AuditEntry.record(staff, "edit_transcript", transcript, {"text": before}, {"text": new_text})
    return review


def approve_story(
    recording_id: int,
    version: int | None,
    staff: StaffUser,
    title: str,
    topic_ids: list[int],
    cuts: dict | None = None,
    name_spoken: bool = False,
) -> Review:
    """Publish a recording as a peer story: topics confirmed, cuts applied, the name only if consented.

    The decision is claimed first (so a second curator gets a conflict, not a second publication);
    if the audio cannot be published the claim is undone and the reason raised.
    """
    review = _guarded(recording_id, version)
    recording = review.recording
    if recording.consent == Recording.TRAINERS_ONLY:
        raise ReviewError(gettext("the caller agreed to share this recording with trainers only"))
    published = approve_form.published_story(recording, review)  # the audit names what changed
    with _conflicts(recording_id):
        before = _set_decision(review, Review.APPROVED, staff)
    try:
        lesson = _publish(recording, title, topic_ids, cuts, name_spoken)
    except lesson_library.LibraryError as error:
        db.session.rollback()
        review.status = before["status"]
        review.reason = ""
        db.session.commit()
        raise ReviewError(str(error)) from error
    for topic_id in topic_ids:
        topic_tags.accept_tag(recording.id, topic_id, staff)
    review.lesson_id = lesson.id
    review.published_at = lesson.published_at
    after = {**_review_state(review), "topics": topic_ids, "cuts": cuts or {}, "title": title}
    AuditEntry.record(staff, "approve_story", review, {**before, **published}, after)
    db.session.commit()
    recognition.story_published(lesson.id)
    return review


def approve_reply(recording_id: int, version: int | None, staff: StaffUser) -> Review:
    """Publish a listener's reply: it is played after its story, and the story's teller is told once."""
    review = _guarded(recording_id, version)
    recording = review.recording
    refusal = replies.cannot_publish(recording)
    if refusal:
        raise ReviewError(refusal)
    with _conflicts(recording_id):
        before = _set_decision(review, Review.APPROVED, staff)
        review.published_at = review.decided_at
        AuditEntry.record(staff, "approve_reply", review, before, _review_state(review))
    story_id = recording.lesson_id or 0  # cannot_publish refused a reply without its story
    recognition.reply_published(story_id, len(replies.published_replies(story_id)))
    return review


def _publish(recording: Recording, title: str, topic_ids: list[int], cuts, name_spoken: bool) -> Lesson:
    contact = recording.contact
    named = name_spoken and recording.consent == Recording.NAMED and contact is not None
    return lesson_library.publish_story_from_recording(
        recording.id,
        title,
        recording.language_code or "hi",
        topic_id=topic_ids[0] if topic_ids else None,
        cuts=cuts,
        contributor_name=contact.name if named else "",
    )


def audited_tag_change(recording_id: int, topic_id: int, action: str, staff: StaffUser) -> list[TopicTag]:
    """Accept, reject or add a topic tag, with an audit entry."""
    before = {t.source: t.status for t in topic_tags.tag_rows(recording_id) if t.topic_id == topic_id}
    change = {"accept": topic_tags.accept_tag, "reject": topic_tags.reject_tag, "add": topic_tags.accept_tag}[
        action
    ]
    tags = change(recording_id, topic_id, staff)
    after = {t.source: t.status for t in tags}
    review = review_for(recording_id)
    AuditEntry.record(
        staff, f"tag_{action}", review, {"topic_id": topic_id, **before}, {"topic_id": topic_id, **after}
    )
    db.session.commit()
    return tags


def save_notes(recording_id: int, staff: StaffUser, notes: str) -> Transcript:
    """Save a curator's searchable notes, with an audit entry."""
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if transcript is None:
        raise ReviewError(gettext("this recording has no transcript yet"))
    before = transcript.notes
    AuditEntry.record(staff, "edit_notes", transcript, {"notes": before}, {"notes": notes.strip()})
    return review_queue.set_notes(transcript.id, notes)


def caller_context(recording: Recording) -> dict:
    """Who recorded it: role, place, language and their earlier contributions with decisions."""
    contact = recording.contact
    if contact is None:
        return {"contact": None, "earlier": []}
    earlier = db.session.execute(
        select(Recording, review_queue.REVIEW_STATUS)
        .outerjoin(Review, Review.recording_id == Recording.id)
        .where(Recording.contact_id == contact.id, Recording.id != recording.id)
        .order_by(Recording.created_at.desc())
        .limit(20)
    ).all()
    return {"contact": contact, "earlier": [tuple(row) for row in earlier]}
