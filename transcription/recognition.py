"""Thanking contributors: an SMS when their story is published, and at milestones of listeners, useful, tried."""

import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from audio.models import Lesson, Recording
from core import queue, twilio
from core.db import db, utcnow
from core.models import Contact, Language, StaffUser
from transcription import jobs
from transcription.models import AuditEntry, ContributorPreference, Recognition

log = logging.getLogger(__name__)
DEFAULT_MILESTONES = (10, 50, 100, 500, 1000)
SMS_SENDER = {"hi": "चौपाल", "en": "Chaupal"}
# Short enough for one SMS segment in each language (Hindi is UCS-2: 70 characters).
MESSAGES = {
    Recognition.PUBLISHED: {
        "hi": "आपकी कहानी अब लाइन पर है। कर्मी इसे 2 दबाकर सुन सकते हैं। धन्यवाद!",
        "en": "your story is now on the line. Workers hear it by pressing 2. Thank you!",
    },
    Recognition.MILESTONE: {
        "hi": "आपकी कहानी {count} कर्मियों ने सुनी। धन्यवाद!",
        "en": "your story was heard by {count} workers. Thank you!",
    },
    Recognition.USEFUL: {
        "hi": "{count} कर्मियों ने आपकी कहानी को काम का बताया। धन्यवाद!",
        "en": "{count} workers found your story useful. Thank you!",
    },
    Recognition.TRIED: {
        "hi": "{count} कर्मी आपकी सलाह अपने काम में करके देख चुके हैं। धन्यवाद!",
        "en": "{count} workers have tried your advice in their work. Thank you!",
    },
    Recognition.REPLY: {
        "hi": "किसी कर्मी ने आपकी कहानी का जवाब दिया है। सुनने के लिए लाइन पर कॉल करके 7 दबाएँ।",
        "en": "a worker replied to your story. Call the line and press 7 to hear it.",
    },
}
# Fewer people press a key than listen: their milestones start lower.
REACTION_MILESTONES = (5, 10, 25, 50, 100, 500)


def enabled() -> bool:
    """RECOGNITION_MESSAGES=off turns every thank-you off."""
    return str(current_app.config.get("RECOGNITION_MESSAGES", "on")).lower() not in (
        "off",
        "0",
        "false",
        "no",
    )


def milestones() -> list[int]:
    """Listener counts worth a message (RECOGNITION_MILESTONES, e.g. '10,50,100')."""
    raw = str(current_app.config.get("RECOGNITION_MILESTONES", "") or "")
    numbers = sorted({int(part) for part in raw.replace(" ", "").split(",") if part.isdigit()})
    return numbers or list(DEFAULT_MILESTONES)


def wants_recognition(contact_id: int) -> bool:
    """False when the contributor asked us to stop thanking them (the default is on)."""
    preference = db.session.get(ContributorPreference, contact_id)
    return preference is None or preference.recognition


def set_preference(contact_id: int, wanted: bool, staff: StaffUser) -> None:
    """Turn a contributor's thank-you messages on or off (audited)."""
    preference = db.session.get(ContributorPreference, contact_id) or ContributorPreference(
        contact_id=contact_id
    )
    before = {"recognition": preference.recognition if preference.recognition is not None else True}
    preference.recognition = wanted
    preference.updated_by_id = staff.id
    db.session.add(preference)
    db.session.flush()
    contact = db.session.get(Contact, contact_id)
    AuditEntry.record(staff, "recognition_preference", contact, before, {"recognition": wanted})
    db.session.commit()


def _contributor(lesson: Lesson) -> Contact | None:
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    return recording.contact if recording else None


def _queue_once(lesson: Lesson, kind: str, milestone: int = 0) -> Recognition | None:
    """A pending thank-you for the lesson's contributor, unless one was already made for this event."""
    contact = _contributor(lesson)
    if not enabled() or contact is None:
        return None
    found = db.session.scalar(
        select(Recognition).filter_by(lesson_id=lesson.id, kind=kind, milestone=milestone)
    )
    if found is not None:
        return found
    recognition = Recognition(contact_id=contact.id, lesson_id=lesson.id, kind=kind, milestone=milestone)
    db.session.add(recognition)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # made at the same moment by another process
        return None
    queue.enqueue_after_commit("default", jobs.send_recognition, recognition.id)
    return recognition


def story_published(lesson_id: int) -> Recognition | None:
    """Queue the 'your story is on the line' message for a newly published story; commits."""
    lesson = db.session.get(Lesson, lesson_id)
    recognition = _queue_once(lesson, Recognition.PUBLISHED) if lesson else None
    db.session.commit()
    return recognition


def reply_published(lesson_id: int, replies: int) -> Recognition | None:
    """Tell the story's teller that a reply to it is on the line (once per reply count); commits."""
    lesson = db.session.get(Lesson, lesson_id)
    recognition = _queue_once(lesson, Recognition.REPLY, replies) if lesson else None
    db.session.commit()
    return recognition


def record_listeners(listeners: dict[int, int]) -> list[int]:
    """Queue a milestone message for each story whose listener count passed a new milestone.

    listeners maps story lesson ids to distinct listeners; only the highest milestone reached is sent.
    """
    return _record_milestones(listeners, Recognition.MILESTONE, milestones())


def record_reactions(useful: dict[int, int], tried: dict[int, int]) -> list[int]:
    """Queue a message for each story whose count of listeners who found it useful, or tried it, passed a milestone."""
    return _record_milestones(useful, Recognition.USEFUL, list(REACTION_MILESTONES)) + _record_milestones(
        tried, Recognition.TRIED, list(REACTION_MILESTONES)
    )


def _record_milestones(counts: dict[int, int], kind: str, steps: list[int]) -> list[int]:
    queued = []
    for lesson_id, count in counts.items():
        reached = [m for m in steps if m <= count]
        lesson = db.session.get(Lesson, lesson_id)
        if not reached or lesson is None or lesson.kind != Lesson.STORY:
            continue
        if _already_sent_at_least(lesson_id, kind, reached[-1]):
            continue
        recognition = _queue_once(lesson, kind, reached[-1])
        if recognition is not None:
            queued.append(recognition.id)
    db.session.commit()
    return queued


def _already_sent_at_least(lesson_id: int, kind: str, milestone: int) -> bool:
    query = select(Recognition.id).where(
        Recognition.lesson_id == lesson_id,
        Recognition.kind == kind,
        Recognition.milestone >= milestone,
    )
    return db.session.scalar(query.limit(1)) is not None


def message_text(recognition: Recognition, language_code: str | None, sms: bool = True) -> str:
    """The thank-you in the contributor's language (English when we have no text in theirs)."""
    code = language_code if language_code in MESSAGES[recognition.kind] else "en"
    words = MESSAGES[recognition.kind][code].format(count=recognition.milestone)
    return f"{SMS_SENDER[code]}: {words}" if sms else words


def send(recognition_id: int) -> None:
    """Send one pending thank-you (SMS, and a short call if configured), checking consent at send time."""
    if not _claim(recognition_id):
        return  # gone, already sent, or being sent by another run of this job
    recognition = db.session.get(Recognition, recognition_id)
    contact = db.session.get(Contact, recognition.contact_id)
    if contact is None or contact.opted_out_at or not wants_recognition(contact.id) or not enabled():
        _finish(recognition, Recognition.SKIPPED, "opted out, asked for no thank-you messages, or turned off")
        return
    try:
        _deliver(recognition, contact)
    except twilio.TwilioError as error:
        if not error.permanent:
            _finish(recognition, Recognition.PENDING, str(error))
            raise  # RQ retries the pending row; what was already sent is not sent again
        _finish(recognition, Recognition.FAILED, str(error))
        return
    recognition.sent_at = utcnow()
    _finish(recognition, Recognition.SENT, "")


def _deliver(recognition: Recognition, contact: Contact) -> None:
    # Each channel's SID is saved as soon as it is sent, so a retry only sends what is missing.
    if not recognition.sms_sid:
        recognition.sms_sid = twilio.send_sms(
            contact.phone, message_text(recognition, contact.language_code)
        ).sid
        db.session.commit()
    if calls_enabled() and not recognition.call_sid:
        url = twilio.public_url(f"/ivr/thanks/{recognition.id}")
        recognition.call_sid = twilio.place_call(contact.phone, url).sid
        db.session.commit()


def calls_enabled() -> bool:
    """RECOGNITION_CALLS=on adds a short call speaking the thank-you (for contributors who do not read SMS)."""
    return str(current_app.config.get("RECOGNITION_CALLS", "off")).lower() in ("on", "1", "true", "yes")


def words_for_call(recognition_id: int) -> tuple[str, Language] | None:
    """What the thank-you call says and in which language; None if there is no such thank-you."""
    recognition = db.session.get(Recognition, recognition_id)
    contact = db.session.get(Contact, recognition.contact_id) if recognition else None
    if contact is None:
        return None
    language = db.session.get(Language, contact.language_code or "") or db.session.get(Language, "en")
    return message_text(recognition, language.code).removeprefix("Chaupal: ").removeprefix(
        "चौपाल: "
    ), language


def _claim(recognition_id: int) -> bool:
    claimed = db.session.execute(
        update(Recognition)
        .where(Recognition.id == recognition_id, Recognition.status == Recognition.PENDING)
        .values(status=Recognition.SENDING)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _finish(recognition: Recognition, status: str, reason: str) -> None:
    recognition.status = status
    recognition.reason = reason
    db.session.commit()
    log.info("recognition %s: %s %s", recognition.id, status, reason)


def for_contact(contact_id: int) -> list[Recognition]:
    """The thank-yous made for a contributor, newest first."""
    query = select(Recognition).filter_by(contact_id=contact_id).order_by(Recognition.created_at.desc())
    return list(db.session.scalars(query))
