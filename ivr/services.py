"""Phone-line operations: call records, callers, callbacks, listening, feedback, consent, recordings."""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import Select, delete, distinct, func, select, update
from sqlalchemy.exc import IntegrityError

from audio import jobs as audio_jobs
from audio import playback, prompt_audio, recording_pipeline, voice_erasure
from audio.models import Lesson, LessonTrack, Recording
from campaigns import audience as campaign_audience
from campaigns import erasure as campaign_erasure
from core import people, queue, sandbox
from core.db import checkpoint, db, utcnow
from core.logs import mask_phone
from core.models import Contact, District, Language, State, SuppressionEvent, Topic
from ivr import jobs, prompts, simulated_numbers, sms_spool
from ivr.models import (
    Call,
    Callback,
    Consent,
    Erasure,
    Feedback,
    FirstCall,
    LessonProgress,
    ListenEvent,
    ListenSession,
    MeetingListen,
    PromptText,
    RecordingTake,
    SmsMessage,
    TriedIt,
)
from learning import erasure as learning_erasure
from transcription import erasure as transcription_erasure
from transcription import jobs as transcription_jobs
from transcription import review_queue

log = logging.getLogger(__name__)


def _called_the_line() -> Select:
    return select(Call.contact_id, Call.started_at.label("at")).where(Call.contact_id.is_not(None))


def _finished_on_the_line(lesson_id: int) -> Select:
    return select(LessonProgress.contact_id).where(
        LessonProgress.lesson_id == lesson_id, LessonProgress.completed_at.is_not(None)
    )


def register_engagement_sources() -> None:
    """Campaign audiences ("not called in N days", "did not finish lesson X") count what happens on the line."""
    campaign_audience.register_call_activity(_called_the_line)
    campaign_audience.register_lesson_completion(_finished_on_the_line)


E164 = re.compile(r"^\+[1-9]\d{7,14}$")


# --- calls and callers ---


def caller_number(form) -> str | None:
    """The caller's E.164 number (To on calls we placed), or None when withheld or not a phone."""
    outbound = form.get("Direction", "inbound").startswith("outbound")
    number = (form.get("To") if outbound else form.get("From")) or ""
    return number if E164.match(number) else None


def open_call(form) -> Call:
    """The Call row for this CallSid, created (with its caller's Contact) on first sight."""
    call = db.session.scalar(select(Call).filter_by(call_sid=form["CallSid"]))
    if call is not None:
        return call
    contact = _contact_for(caller_number(form))
    direction = Call.OUTBOUND if form.get("Direction", "").startswith("outbound") else Call.INBOUND
    language = contact.language_code if contact and _language_active(contact.language_code) else None
    fields = {
        "contact_id": contact.id if contact else None,
        "direction": direction,
        "language_code": language,
    }
    return _insert_once(Call, {"call_sid": form["CallSid"]}, fields)


def _contact_for(phone: str | None) -> Contact | None:
    if phone is None:
        return None
    found = db.session.scalar(select(Contact).filter_by(phone=phone))
    return found or _insert_once(Contact, {"phone": phone}, {"created_by": Contact.SELF_REGISTERED})


def _insert_once(model, key: dict, fields: dict):
    """Insert a row unless a concurrent request (a Twilio retry) inserted the same key first."""
    row = model(**key, **fields)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        row = db.session.scalar(select(model).filter_by(**key))
    return row


def _language_active(code: str | None) -> bool:
    language = db.session.get(Language, code) if code else None
    return bool(language and language.active)


def active_languages() -> list[Language]:
    """Languages offered on the phone, in keypad order."""
    return list(db.session.scalars(select(Language).filter_by(active=True).order_by(Language.menu_digit)))


@dataclass(frozen=True)
class SpokenLanguage:
    """What a call step needs of a language, read once per request (see call_language)."""

    code: str
    name: str
    native_name: str
    say_language: str
    say_voice: str
    menu_digit: int


def call_language(call: Call) -> SpokenLanguage:
    """The language to speak on this call: the caller's choice, else DEFAULT_LANGUAGE.

    A step asks several times and commits in between; every commit expires ORM rows, so a Language
    row was read again each time (2-4 queries a webhook). A plain copy kept for the request is not.
    """
    code = call.language_code or current_app.config["DEFAULT_LANGUAGE"]
    known = g.setdefault("chaupal_call_languages", {})
    if code not in known:
        row = db.session.get(Language, code) or active_languages()[0]
        known[code] = SpokenLanguage(row.code, row.name, row.native_name, row.say_language, row.say_voice,
                                     row.menu_digit)  # fmt: skip
    return known[code]


def set_language(call: Call, code: str) -> None:
    """Use this language for the rest of the call and remember it for the caller's next calls."""
    call.language_code = code
    if call.contact is not None:
        call.contact.language_code = code


def apply_status(form) -> Call:
    """Apply a call status callback; statuses never move backwards; an ended call settles its takes."""
    call = open_call(form)
    status = form.get("CallStatus", "")
    if Call.RANK.get(status, -1) <= Call.RANK.get(call.status, -1):
        return call
    call.status = status
    if call.ended:
        call.ended_at = utcnow()
        duration = form.get("CallDuration", "")
        call.duration_seconds = int(duration) if duration.isdigit() else None
    db.session.commit()
    if call.ended:
        for take_id in db.session.scalars(select(RecordingTake.id).filter_by(call_sid=call.call_sid)):
            settle_take(take_id)
    return call


# --- missed-call mode ---


def wants_callback(call: Call) -> bool:
    """True for an inbound call from a missed-call-mode caller who has not opted out."""
    contact = call.contact
    return bool(
        call.direction == Call.INBOUND and contact and contact.missed_call_mode and not contact.opted_out_at
    )


def set_missed_call_mode(contact: Contact, on: bool) -> None:
    """The caller's own choice on the keypad: ring, we reject (free for them) and call straight back."""
    contact.missed_call_mode = on
    log.info(
        "contact %s turned missed-call mode %s by phone", mask_phone(contact.phone), "on" if on else "off"
    )


def request_callback(call: Call) -> Callback:
    """Record the missed call once and enqueue the call back (after commit)."""
    return queue_callback(call.contact_id, call.call_sid)


def queue_callback(contact_id: int, asked_by_sid: str) -> Callback:
    """One callback per asking call or message (a retried webhook finds it); enqueued after commit."""
    existing = db.session.scalar(select(Callback).filter_by(missed_call_sid=asked_by_sid))
    if existing is not None:
        return existing
    callback = Callback(contact_id=contact_id, missed_call_sid=asked_by_sid)
    db.session.add(callback)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Callback).filter_by(missed_call_sid=asked_by_sid))
    queue.enqueue_after_commit("default", jobs.place_callback, callback.id)
    db.session.commit()
    return callback


# --- listening ---


def log_listen(call: Call, lesson_id: int, position: int, event: str) -> None:
    """Store one segment event for listen-through analytics."""
    db.session.add(
        ListenEvent(
            call_id=call.id,
            contact_id=call.contact_id,
            lesson_id=lesson_id,
            segment_position=position,
            event=event,
        )
    )


def save_progress(
    call: Call, lesson_id: int, position: int, topic_id: int | None, done: bool = False
) -> None:
    """Remember the next segment to play (or that the lesson is finished) for this caller."""
    if call.contact_id is None:
        return
    progress = db.session.scalar(
        select(LessonProgress).filter_by(contact_id=call.contact_id, lesson_id=lesson_id)
    )
    if progress is None:
        progress = LessonProgress(contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(progress)
    progress.position, progress.topic_id = position, topic_id
    progress.completed_at = utcnow() if done else None


def unfinished_lesson(call: Call) -> tuple[LessonProgress, Lesson, str] | None:
    """The latest unfinished lesson still published in the call's language: (progress, lesson, title)."""
    if call.contact_id is None:
        return None
    track_here = (LessonTrack.lesson_id == Lesson.id) & (
        LessonTrack.language_code == call_language(call).code
    )
    query = (
        select(LessonProgress, Lesson, LessonTrack.title)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(LessonTrack, track_here)
        .where(LessonProgress.contact_id == call.contact_id, LessonProgress.completed_at.is_(None))
        .where(Lesson.status == Lesson.PUBLISHED)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc())
        .limit(1)
    )
    row = db.session.execute(query).first()
    return tuple(row) if row else None


def next_lesson(call: Call) -> tuple[Lesson, str] | None:
    """The first lesson the caller has not finished: in the topic they last listened to, else any topic."""
    if call.contact_id is None:
        return None
    finished = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.contact_id == call.contact_id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    waiting = [
        (lesson, track.title)
        for lesson, track in _in_topic_order(playback.published_lessons(call_language(call).code))
        if lesson.id not in finished
    ]
    last_topic = db.session.scalar(
        select(LessonProgress.topic_id)
        .filter_by(contact_id=call.contact_id)
        .order_by(LessonProgress.updated_at.desc(), LessonProgress.id.desc())
        .limit(1)
    )
    same_topic = [found for found in waiting if found[0].topic_id == last_topic]
    return (same_topic or waiting or [None])[0]


def _in_topic_order(found: list) -> list:
    """Lessons in curriculum order: by their topic's place in the topic list, then their own order."""
    places = dict(db.session.execute(select(Topic.id, Topic.position)).all())
    return sorted(found, key=lambda row: places.get(row[0].topic_id, len(places)))


def _name_recording(contact_id: int) -> Recording | None:
    query = (
        select(Recording)
        .where(Recording.contact_id == contact_id, Recording.kind == Recording.NAME)
        .where(Recording.consent == Recording.NAMED)
        .order_by(Recording.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def has_name(contact_id: int) -> bool:
    """True once the caller has recorded their name (whatever its review says: they are asked once)."""
    return _name_recording(contact_id) is not None


def name_recording_url(lesson: Lesson) -> str | None:
    """The story teller's name in their own voice: ready, consented to, and not rejected by a curator."""
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    name = _name_recording(recording.contact_id) if recording is not None and recording.contact_id else None
    if (
        name is None
        or name.status != Recording.READY
        or not name.playback_key
        or review_queue.rejected(name.id)
    ):
        return None
    return playback.signed_media_url(name.playback_key)


def story_teller(lesson: Lesson) -> tuple[str | None, District | None]:
    """The work (mason or motivator; None for other work) and district of the caller who told a story."""
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    teller = recording.contact if recording is not None and recording.contact_id else None
    if teller is None:
        return None, None
    role = teller.role if teller.role in (Contact.MASON, Contact.MOTIVATOR) else None
    return role, teller.district


def stories_nearby_first(call: Call) -> list:
    """Published stories in the call's language, those told in the caller's district first: [(lesson, track)]."""
    found = playback.published_lessons(call_language(call).code, kind=Lesson.STORY)
    district_id = call.contact.district_id if call.contact is not None else None
    if district_id is None:
        return found
    return sorted(found, key=lambda row: _told_in(row[0]) != district_id)


def _told_in(lesson: Lesson) -> int | None:
    recording = db.session.get(Recording, lesson.source_recording_id) if lesson.source_recording_id else None
    return recording.contact.district_id if recording is not None and recording.contact is not None else None


def followed_topics(call: Call) -> set[int]:
    """The topics a caller follows: those chosen for them, and those of the lessons they have listened to."""
    contact = call.contact
    if contact is None:
        return set()
    heard = select(LessonProgress.topic_id).where(
        LessonProgress.contact_id == contact.id, LessonProgress.topic_id.is_not(None)
    )
    return {topic.id for topic in contact.topics} | set(db.session.scalars(heard))


def previous_call_at(call: Call):
    """When this caller's previous call started (None on a first call)."""
    if call.contact_id is None:
        return None
    query = select(func.max(Call.started_at)).where(Call.contact_id == call.contact_id, Call.id != call.id)
    return db.session.scalar(query)


def record_feedback(call: Call, lesson_id: int, useful: bool) -> None:
    """Store (or change) this call's verdict on a lesson."""
    feedback = db.session.scalar(select(Feedback).filter_by(call_id=call.id, lesson_id=lesson_id))
    if feedback is None:
        feedback = Feedback(call_id=call.id, contact_id=call.contact_id, lesson_id=lesson_id)
        db.session.add(feedback)
    feedback.useful = useful


# --- consent and recordings ---


def record_consent(call: Call, kind: str, lesson_id: int | None, prompt, key: str, choice: str) -> Consent:
    """Store what the caller was asked, in the words they heard, and the key they pressed.

    The same answer on the same call, not yet used for a recording, is the one returned: a replayed
    key press makes no new row, and a new recording after a kept one still gets its own consent.
    """
    unused = _unused_consent(call, kind, lesson_id, key)
    if unused is not None:
        return unused
    language = call_language(call).code
    consent = Consent(
        call_sid=call.call_sid,
        contact_id=call.contact_id,
        kind=kind,
        lesson_id=lesson_id,
        prompt_id=prompt.id,
        prompt_version=prompt_version(prompt.id, language),
        prompt_text=prompt_words(prompt.id, language),
        language_code=language,
        key=key,
        choice=choice,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def _unused_consent(call: Call, kind: str, lesson_id: int | None, key: str) -> Consent | None:
    taken = select(RecordingTake.id).where(RecordingTake.consent_id == Consent.id).exists()
    query = select(Consent).filter_by(call_sid=call.call_sid, kind=kind, lesson_id=lesson_id, key=key)
    return db.session.scalar(query.where(~taken).order_by(Consent.id.desc()).limit(1))


def consent_for(call: Call, consent_id: int | None) -> Consent | None:
    """The consent given on this call with that id; None if absent, declined or from another call."""
    consent = db.session.get(Consent, consent_id) if consent_id else None
    if consent is None or consent.call_sid != call.call_sid or not consent.given:
        return None
    return consent


def take_for(call: Call, take_id: int | None) -> RecordingTake | None:
    """The recording take of this call with that id, or None."""
    take = db.session.get(RecordingTake, take_id) if take_id else None
    return take if take is not None and take.call_sid == call.call_sid else None


def note_take(consent: Consent, form) -> RecordingTake:
    """Create or update the take Twilio reports (from <Record action> or the recording status callback)."""
    take = db.session.scalar(select(RecordingTake).filter_by(recording_sid=form["RecordingSid"]))
    if take is None:
        fields = {"call_sid": consent.call_sid, "consent_id": consent.id}
        take = _insert_once(RecordingTake, {"recording_sid": form["RecordingSid"]}, fields)
    take.recording_url = take.recording_url or form.get("RecordingUrl", "")
    duration = form.get("RecordingDuration", "")
    limit = int(current_app.config["MAX_RECORDING_SECONDS"]) + 1  # <Record maxLength>, rounded up by Twilio
    if duration.isdigit() and int(duration) <= limit:  # a larger one is forged: not trusted
        take.duration_seconds = float(duration)
    return take


def recording_status(consent_id: int, form) -> None:
    """Handle a recording status callback: note the take, then register it if it is kept and complete."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.call_sid != form.get("CallSid"):
        log.warning("recording status for unknown consent %s ignored", consent_id)
        return
    take = note_take(consent, form)
    if take.twilio_status != RecordingTake.COMPLETED:
        take.twilio_status = form.get("RecordingStatus", "")
    db.session.commit()
    settle_take(take.id)


def decide_take(take: RecordingTake, decision: str) -> None:
    """The caller keeps or discards a take; the first decision stands (retried webhooks change nothing)."""
    if take.decision == RecordingTake.PENDING:
        take.decision, take.decided_at = decision, utcnow()
        db.session.commit()
    settle_take(take.id)


def settle_take(take_id: int) -> None:
    """Bring a take to its end state; safe to call any number of times, in any order of events.

    The caller's choice and Twilio's "completed" callback arrive in either order, on any web
    worker. Each writer commits its own fact first and then calls this, so whichever comes last
    sees both. A take still undecided when the call has ended is kept: the caller consented and
    hung up, and nothing they chose to say is lost. A discarded take never becomes a Recording.
    """
    take = db.session.get(RecordingTake, take_id)
    if take.decision == RecordingTake.PENDING and _call_ended(take.call_sid):
        take.decision, take.decided_at = RecordingTake.KEPT, utcnow()
        db.session.commit()
    if take.twilio_status != RecordingTake.COMPLETED:
        return
    if take.decision == RecordingTake.KEPT and take.recording_id is None:
        take.recording_id = _register(take).id
        db.session.commit()
    elif take.decision == RecordingTake.DISCARDED and take.deleted_at is None:
        queue.enqueue_now("default", jobs.delete_discarded_take, take.id)


def _call_ended(call_sid: str) -> bool:
    call = db.session.scalar(select(Call).filter_by(call_sid=call_sid))
    return call is not None and call.ended


def _register(take: RecordingTake):
    consent = take.consent
    lesson = db.session.get(Lesson, consent.lesson_id) if consent.lesson_id else None
    recording, _ = recording_pipeline.register_recording(
        take.recording_sid,
        call_sid=take.call_sid,
        contact_id=consent.contact_id,
        kind=consent.kind,
        consent=consent.choice,
        language_code=consent.language_code,
        topic_id=lesson.topic_id if lesson else None,
        lesson_id=lesson.id if lesson else None,
        source_url=take.recording_url,
        reported_seconds=take.duration_seconds,
    )
    return recording


def opt_out_by_phone(contact: Contact) -> None:
    """Stop every call and message to this person, from the phone menu (checked at send time)."""
    if contact.opted_out_at is None:
        log.info("contact %s opted out by phone", mask_phone(contact.phone))
    people.opt_out(contact, *_by_phone(contact))


def opt_in_by_phone(contact: Contact) -> None:
    """Start calls and messages again for someone who had stopped them, from the phone menu."""
    people.opt_in(contact, *_by_phone(contact))


def _by_phone(contact: Contact) -> tuple[str, int | None]:
    """Who made a change from the phone: the caller, or the staff member whose test phone it is."""
    staff_id = simulated_numbers.owner_of(contact.phone)
    return (SuppressionEvent.SIMULATOR, staff_id) if staff_id else (SuppressionEvent.IVR, None)


# --- inbound SMS ---


def receive_sms(form, body: str, keyword: str, script_language: str) -> tuple[str | None, str]:
    """Act on a text message once (a retried webhook changes nothing); returns (reply id, language)."""
    phone = form.get("From") if E164.match(form.get("From") or "") else None
    contact = _contact_for(phone)
    language = (contact.language_code if contact else None) or script_language
    if db.session.scalar(select(SmsMessage.id).filter_by(message_sid=form["MessageSid"])) is None:
        fields = {"contact_id": contact.id if contact else None, "keyword": keyword, "body": body}
        _act_once(SmsMessage(message_sid=form["MessageSid"], **fields), contact)
    # A replay acts on nothing (a JOIN replayed after a STOP opts nobody in); a retry gets its reply again.
    return _sms_reply(contact, keyword), language


def _act_once(message: SmsMessage, contact: Contact | None) -> None:
    """Store the message and its effect in one commit: whoever inserts the MessageSid acts, once."""
    db.session.add(message)
    try:
        if contact is not None:
            _sms_action(contact, message)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def _sms_action(contact: Contact, message: SmsMessage) -> None:
    keyword = message.keyword
    if keyword == SmsMessage.STOP:
        if contact.opted_out_at is None:
            log.info("contact %s opted out by SMS", mask_phone(contact.phone))
        people.opt_out(contact, SuppressionEvent.SMS)
    elif keyword == SmsMessage.JOIN:
        people.opt_in(contact, SuppressionEvent.SMS)
    elif keyword == SmsMessage.CALL_ME and not contact.opted_out_at:
        queue_callback(contact.id, message.message_sid)


def _sms_reply(contact: Contact | None, keyword: str) -> str | None:
    if contact is None:
        return "thanks" if keyword == SmsMessage.TEXT else None
    if keyword in (SmsMessage.STOP, SmsMessage.JOIN):
        return "stopped" if keyword == SmsMessage.STOP else "joined"
    if keyword == SmsMessage.CALL_ME:
        return "call_stopped" if contact.opted_out_at else "calling"
    return "help" if keyword == SmsMessage.HELP else None if contact.opted_out_at else "thanks"


def sms_inbox(show: str = SmsMessage.NEW, limit: int = 200) -> list[SmsMessage]:
    """Free-text messages for curators, newest first: new ones, or all."""
    query = select(SmsMessage).where(SmsMessage.keyword == SmsMessage.TEXT)
    if show == SmsMessage.NEW:
        query = query.where(SmsMessage.status == SmsMessage.NEW)
    return list(db.session.scalars(query.order_by(SmsMessage.created_at.desc()).limit(limit)))


def mark_sms_read(message_id: int) -> bool:
    """Mark a free-text message as read; False if it does not exist."""
    message = db.session.get(SmsMessage, message_id)
    if message is None:
        return False
    message.status = SmsMessage.READ
    db.session.commit()
    return True


# --- self-registration on the phone ---


def heard_content(call: Call) -> bool:
    """True once this call has started playing a lesson or story."""
    return db.session.scalar(select(ListenEvent.id).filter_by(call_id=call.id).limit(1)) is not None


def needs_registration(call: Call) -> bool:
    """True for a caller who came in by phone and has not told us where they work yet."""
    contact = call.contact
    return bool(contact and contact.created_by == Contact.SELF_REGISTERED and contact.district_id is None)


def place_name(place: State | District, language_code: str) -> str:
    """A state's or district's name as the line says it in the language (Devanagari for Hindi)."""
    return place.name_in(language_code)


def states_with_districts() -> list[State]:
    """States that have districts, in name order (the keypad order of the state menu)."""
    query = select(State).where(State.districts.any()).order_by(State.name)
    return list(db.session.scalars(query))


def districts_of(state_id: int) -> list[District]:
    """A state's districts in keypad order (District.position, then name)."""
    query = select(District).filter_by(state_id=state_id).order_by(District.position, District.name)
    return list(db.session.scalars(query))


def register(call: Call, role: str, district_id: int) -> bool:
    """Save the caller's role and district (and its state); False if either is not valid."""
    district = db.session.get(District, district_id)
    if call.contact is None or district is None or role not in Contact.ROLES:
        return False
    contact = call.contact
    contact.role, contact.district_id, contact.state_id = role, district.id, district.state_id
    log.info("contact %s registered by phone", mask_phone(contact.phone))
    return True


# --- erasure: everything about one person, when they or staff ask ---

# Jobs whose first argument is a recording id (their hashes in Redis name the person's recordings).
RECORDING_JOBS = (audio_jobs.fetch_recording, transcription_jobs.transcribe_recording)
REDIS_STATE_PATTERN = "chaupal:*"  # our own keys (simulator calls...) that may hold a number
ERASURE_RETRY_AFTER = timedelta(minutes=10)


def request_erasure(contact: Contact, source: str, staff_id: int | None = None) -> Erasure:
    """Record the request and stop all calls and messages now; the erasure job runs after commit.

    A request already pending for the contact is the one returned: a replayed key press adds nothing.
    """
    pending = db.session.scalar(select(Erasure).filter_by(contact_id=contact.id, status=Erasure.PENDING))
    if pending is not None:
        return pending
    if source == Erasure.BY_CALLER and simulated_numbers.owner_of(contact.phone):
        source, staff_id = Erasure.BY_SIMULATOR, simulated_numbers.owner_of(contact.phone)
    erasure = _new_erasure(contact, source, staff_id)
    queue.enqueue_after_commit("default", jobs.erase_contact, erasure.id)
    return erasure


def erase_now(contact: Contact, source: str, staff_id: int | None = None) -> Erasure:
    """Record the request and erase at once (staff page, command line); returns it with its report.

    If a step fails the erasure stays pending with the reason (already logged), and a job tries again.
    """
    erasure = _new_erasure(contact, source, staff_id)
    db.session.commit()
    erasure_id = erasure.id
    try:
        return run_erasure(erasure_id)
    except Exception:  # recorded on the row by run_erasure; the person must not wait for a staff retry
        queue.enqueue_now("default", jobs.erase_contact, erasure_id)
        return db.session.get(Erasure, erasure_id)


def _new_erasure(contact: Contact, source: str, staff_id: int | None) -> Erasure:
    by = {Erasure.BY_CALLER: SuppressionEvent.IVR, Erasure.BY_SIMULATOR: SuppressionEvent.SIMULATOR}.get(
        source, SuppressionEvent.STAFF
    )
    keeps_opt_out = contact.opted_out_at is not None
    people.opt_out(contact, by, staff_id)
    erasure = Erasure(contact_id=contact.id, source=source, staff_id=staff_id, keeps_opt_out=keeps_opt_out)
    db.session.add(erasure)
    db.session.flush()
    log.info("erasure %s requested (%s) for contact %s", erasure.id, source, contact.id)
    return erasure


def run_erasure(erasure_id: int) -> Erasure | None:
    """Carry out a pending erasure; safe to run again (after a failure, or twice by RQ)."""
    erasure = db.session.get(Erasure, erasure_id)
    if erasure is None or erasure.status != Erasure.PENDING:
        return erasure
    try:
        lines = erase_contact(erasure.contact_id, erasure.keeps_opt_out)
    except Exception as error:
        db.session.rollback()
        erasure.reason = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        log.error("erasure %s failed, will be retried: %s", erasure.id, erasure.reason)
        raise
    erasure.status, erasure.report, erasure.reason = Erasure.DONE, "\n".join(lines), ""
    erasure.finished_at = utcnow()
    db.session.commit()
    log.info("erasure %s done: %s", erasure.id, "; ".join(lines))
    return erasure


def erase_contact(contact_id: int, keep_opt_out: bool = False) -> list[str]:
    """Delete or pseudonymise every trace of a person; returns what was removed (counts only)."""
    contact = db.session.get(Contact, contact_id)
    phone = contact.phone if contact else None
    recording_sids = _twilio_recording_sids(contact_id)
    job_references = _job_references(contact_id)
    call_sids = list(db.session.scalars(select(Call.call_sid).filter_by(contact_id=contact_id)))
    lines = _erase_in_other_packages(contact_id)
    lines += _erase_phone_line_rows(contact_id)
    lines += sandbox.erase_number(phone, call_sids) if phone else []
    lines += people.delete_contact(contact_id, keep_opt_out)
    db.session.commit()
    return lines + _erase_outside_database(phone, recording_sids, job_references)


def _erase_in_other_packages(contact_id: int) -> list[str]:
    """Each package's part, as report lines (counts only), uncommitted: transcripts before their recordings."""
    return (
        transcription_erasure.erase_contact(contact_id)
        + campaign_erasure.erase_contact(contact_id)
        + learning_erasure.erase_contact(contact_id)
        + voice_erasure.erase_contact_audio(contact_id)
    )


def _twilio_recording_sids(contact_id: int) -> set[str]:
    """Recordings of this person that may still exist at Twilio: registered ones and undeleted takes."""
    registered = select(Recording.recording_sid).where(
        Recording.contact_id == contact_id, Recording.recording_sid.is_not(None)
    )
    takes = (
        select(RecordingTake.recording_sid)
        .join(Consent, Consent.id == RecordingTake.consent_id)
        .where(Consent.contact_id == contact_id, RecordingTake.deleted_at.is_(None))
    )
    return set(db.session.scalars(registered)) | set(db.session.scalars(takes))


def _job_references(contact_id: int) -> set[tuple[str, int]]:
    recording_ids = db.session.scalars(select(Recording.id).filter_by(contact_id=contact_id)).all()
    callback_ids = db.session.scalars(select(Callback.id).filter_by(contact_id=contact_id)).all()
    return {(job, rid) for job in RECORDING_JOBS for rid in recording_ids} | {
        (jobs.place_callback, cid) for cid in callback_ids
    }


def _erase_phone_line_rows(contact_id: int) -> list[str]:
    """Delete the person's own rows; unlink the call and listening logs kept for counts."""
    takes = select(RecordingTake.id).join(Consent).where(Consent.contact_id == contact_id)
    deleted = {
        "recording take(s)": db.session.execute(delete(RecordingTake).where(RecordingTake.id.in_(takes))),
        "consent record(s)": db.session.execute(delete(Consent).filter_by(contact_id=contact_id)),
        "lesson progress row(s)": db.session.execute(delete(LessonProgress).filter_by(contact_id=contact_id)),
        "callback(s)": db.session.execute(delete(Callback).filter_by(contact_id=contact_id)),
        "text message(s)": db.session.execute(delete(SmsMessage).filter_by(contact_id=contact_id)),
    }
    unlinked = {
        "call(s)": _unlink(Call, contact_id),
        "listening event(s)": _unlink(ListenEvent, contact_id),
        "listening summar(ies)": _unlink(ListenSession, contact_id),
        "feedback answer(s)": _unlink(Feedback, contact_id),
        '"I tried this" answer(s)': _unlink(TriedIt, contact_id),
        "village meeting listen(s)": _unlink(MeetingListen, contact_id),
    }
    return [f"{result.rowcount} {what} deleted" for what, result in deleted.items()] + [
        f"{count} {what} kept for statistics without any link to the person"
        for what, count in unlinked.items()
    ]


def _unlink(model, contact_id: int) -> int:
    return db.session.execute(update(model).filter_by(contact_id=contact_id).values(contact_id=None)).rowcount


def _erase_outside_database(phone: str | None, recording_sids: set[str], job_references: set) -> list[str]:
    """Twilio's copies (a job per recording SID), job data in Redis and our own Redis state."""
    for recording_sid in sorted(recording_sids):
        queue.enqueue_now("default", jobs.delete_twilio_recording, recording_sid, result_ttl=0)
    purged = queue.purge_jobs(job_references)
    state = _purge_redis_state(phone) if phone else 0
    spooled = sms_spool.forget_number(phone) if phone else 0
    return [
        f"{len(recording_sids)} recording(s) queued for deletion at Twilio",
        f"{purged} queued or finished job(s) about them removed from Redis",
        f"{state} other Redis entr(ies) holding the number removed",
        f"{spooled} text message(s) waiting in the spool removed",
        # Deleted is not gone while the storage's own history holds it: Redis's AOF, SQLite's WAL.
        queue.rewrite_persistence(),
        checkpoint(),
    ]


def _purge_redis_state(phone: str) -> int:
    """Delete our own Redis keys (simulator calls...) whose value holds the number."""
    connection = queue.redis_connection()
    needle = phone.encode()
    doomed = [
        key
        for key in connection.scan_iter(match=REDIS_STATE_PATTERN, count=500)
        if connection.type(key) == b"string" and needle in (connection.get(key) or b"")
    ]
    if doomed:
        connection.delete(*doomed)
    return len(doomed)


def sweep_erasures(now=None) -> list[int]:
    """Enqueue erasures still pending a while after they were asked for (a lost job, Redis down)."""
    cutoff = (now or utcnow()) - ERASURE_RETRY_AFTER
    query = select(Erasure.id).where(Erasure.status == Erasure.PENDING, Erasure.created_at < cutoff)
    pending = list(db.session.scalars(query))
    for erasure_id in pending:
        queue.enqueue_now("default", jobs.erase_contact, erasure_id)
    return pending


# --- retention of call logs ---


def expire_call_logs(days: int, now=None) -> dict[str, int]:
    """Unlink calls, listening and feedback older than `days` from people; delete old texts, callbacks, first calls."""
    if days <= 0:
        return {}
    cutoff = (now or utcnow()) - timedelta(days=days)
    counts = {
        "calls": _unlink_before(Call, Call.started_at, cutoff),
        "listening events": _unlink_before(ListenEvent, ListenEvent.created_at, cutoff),
        "listening summaries": _unlink_before(ListenSession, ListenSession.started_at, cutoff),
        "first calls": db.session.execute(delete(FirstCall).where(FirstCall.first_call_at < cutoff)).rowcount,
        "feedback": _unlink_before(Feedback, Feedback.created_at, cutoff),
        '"I tried this" answers': _unlink_before(TriedIt, TriedIt.created_at, cutoff),
        "village meeting listens": _unlink_before(MeetingListen, MeetingListen.created_at, cutoff),
        "text messages": db.session.execute(
            delete(SmsMessage).where(SmsMessage.created_at < cutoff)
        ).rowcount,
        "callbacks": db.session.execute(delete(Callback).where(Callback.created_at < cutoff)).rowcount,
    }
    db.session.commit()
    return counts


def _unlink_before(model, column, cutoff) -> int:
    query = update(model).where(column < cutoff, model.contact_id.is_not(None)).values(contact_id=None)
    return db.session.execute(query).rowcount


# --- prompts for admins ---


def prompt_table() -> list[dict]:
    """Every prompt with, per language (offered or not), its words and whether recorded audio replaces them."""
    languages = list(db.session.scalars(select(Language).order_by(Language.menu_digit)))
    edited = _edited_prompts()
    rows = []
    for prompt in prompts.PROMPTS.values():
        cells = {
            lang.code: {
                # a language being prepared shows only its own words, not the fallback's
                "text": prompt_words(prompt.id, lang.code)
                if lang.code in prompt.text or (prompt.id, lang.code) in edited
                else "",
                "edited": (prompt.id, lang.code) in edited,
                "audio": bool(prompt_audio.prompt_audio_url(prompt.id, lang.code)),
            }
            for lang in languages
        }
        rows.append({"prompt": prompt, "cells": cells})
    return rows


def _edited_prompts() -> dict[tuple[str, str], PromptText]:
    # Read once per request: a call step speaks several prompts.
    if "chaupal_prompt_texts" not in g:
        g.chaupal_prompt_texts = {
            (p.prompt_id, p.language_code): p for p in db.session.scalars(select(PromptText))
        }
    return g.chaupal_prompt_texts


def prompt_words(prompt_id: str, language_code: str, **values) -> str:
    """The words the line speaks: an admin's wording if there is one, else the shipped text."""
    edited = _edited_prompts().get((prompt_id, language_code))
    if edited is None:
        return prompts.text(prompt_id, language_code, **values)
    try:  # checked again here: words stored before the checks (or by hand) must not silence the line
        prompts.check_words(edited.text, prompts.text(prompt_id, language_code))
        return prompts.fill(edited.text, values) if values else edited.text
    except prompts.WordsError as error:
        log.warning(
            "prompt %s (%s): edited words refused (%s); shipped words spoken", prompt_id, language_code, error
        )
        return prompts.text(prompt_id, language_code, **values)


def prompt_version(prompt_id: str, language_code: str) -> int:
    """The version of the words heard in that language (edits continue the shipped numbering)."""
    edited = _edited_prompts().get((prompt_id, language_code))
    return edited.version if edited else prompts.PROMPTS[prompt_id].version


def save_prompt_words(prompt_id: str, language_code: str, text: str, staff_id: int) -> str:
    """Set (or, with empty text, reset) an admin's wording; refuses text that drops or adds placeholders."""
    prompt = prompts.PROMPTS.get(prompt_id)
    if prompt is None:
        raise ValueError(f"there is no prompt '{prompt_id}'")
    text = " ".join(text.split())
    shipped = prompts.text(prompt_id, language_code)
    edited = db.session.scalar(select(PromptText).filter_by(prompt_id=prompt_id, language_code=language_code))
    g.pop("chaupal_prompt_texts", None)
    if not text or text == shipped:
        if edited is not None:
            db.session.delete(edited)
        db.session.commit()
        return "back to the shipped words"
    prompts.check_words(text, shipped)
    if edited is None:
        edited = PromptText(prompt_id=prompt_id, language_code=language_code, version=prompt.version)
        db.session.add(edited)
    edited.text, edited.version, edited.updated_by = text, edited.version + 1, staff_id
    db.session.commit()
    return f"saved as version {edited.version}"


def story_listeners() -> dict[int, int]:
    """Distinct callers who started each peer story, not counting its own teller: {lesson id: listeners}."""
    teller = select(Recording.contact_id).where(Recording.id == Lesson.source_recording_id).scalar_subquery()
    query = (
        select(ListenEvent.lesson_id, func.count(distinct(ListenEvent.contact_id)))
        .join(Lesson, Lesson.id == ListenEvent.lesson_id)
        .where(Lesson.kind == Lesson.STORY, ListenEvent.event == ListenEvent.START)
        .where(ListenEvent.contact_id.is_not(None), ListenEvent.contact_id.is_distinct_from(teller))
        .group_by(ListenEvent.lesson_id)
    )
    return dict(db.session.execute(query).all())


def seed(demo: bool = False) -> list[str]:
    """The living demo (ivr.demo) on a demo start; returns a line for each part that could not be made."""
    from ivr import demo as living_demo  # it builds on every package's services, so only when asked
    from learning import starter_course

    if not demo:
        return []
    starter_course.load()  # the starter library's course, once its lessons are published
    try:
        return living_demo.make()
    except living_demo.ProductionDemoError as refused:
        return [str(refused)]
