"""The help desk: callers' questions routed by topic to experts, audio answers called back to the asker."""

import hashlib
import logging
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext
from pydub import AudioSegment
from sqlalchemy import case, delete, or_, select, update

from audio import (
    convert,
    fetch,
    lesson_library,
    playback,
    recording_pipeline,
    store,
)
from audio.models import Lesson, Recording
from core import queue, twilio
from core.db import db, utcnow
from core.models import Language, StaffUser, Topic
from transcription import answer_calls, jobs
from transcription.models import AuditEntry, ExpertTopic, Question

log = logging.getLogger(__name__)
ANSWER_MAX_SECONDS = 5 * 60
PAUSE_MS = 800  # between the question and the answer when they are published together
UNANSWERED_CALL = ("busy", "no-answer", "failed", "canceled")
SMS_TEXT = {
    "hi": "चौपाल: आपके सवाल का जवाब तैयार है। हम आपको कॉल करके जवाब सुना रहे हैं।",
    "en": "Chaupal: an expert has answered your question. We are calling you to play the answer.",
}


class HelpDeskError(ValueError):
    """A help-desk action cannot be done; the message says why."""


def may_answer(staff: StaffUser) -> bool:
    """Curators and admins answer questions, and so does any staff member marked as an expert."""
    return staff.role in (StaffUser.ADMIN, StaffUser.CURATOR) or bool(staff.is_expert)


def route_without_staff(recording: Recording, topic_ids: list[int]) -> Question | None:
    """A caller's recorded question goes to the expert queue of its transcript's best topic (once)."""
    if recording.kind != Recording.QUESTION:
        return None
    if db.session.scalar(select(Question.id).filter_by(recording_id=recording.id)) is not None:
        return None  # routed already (a curator's re-routing stands when it is transcribed again)
    return route_question(recording, next(iter(topic_ids), None), None)


def expert_by_phone(phone: str) -> StaffUser | None:
    """The active expert whose account has this phone number (they call the line to answer)."""
    if not phone:
        return None
    query = select(StaffUser).filter_by(phone=phone, active=True)
    return next((staff for staff in db.session.scalars(query) if may_answer(staff)), None)


def waiting_questions(staff: StaffUser) -> list[Question]:
    """Open questions in the expert's queue that have a recording to play, oldest first."""
    return [q for q in questions(staff, status=Question.OPEN) if q.recording.playback_key]


def answer_by_phone(question_id: int, staff_id: int, recording_url: str) -> None:
    """An expert kept an answer recorded on the phone: fetched from Twilio and saved by a job."""
    queue.enqueue_now("default", jobs.save_phone_answer, question_id, staff_id, recording_url)


def save_phone_answer(question_id: int, staff_id: int, recording_url: str) -> None:
    """Download the expert's phone recording and save it as the answer (the callback follows)."""
    question = db.session.get(Question, question_id)
    staff = db.session.get(StaffUser, staff_id)
    if question is None or staff is None or question.answer_key:
        return  # gone, or answered already (a job run twice)
    with store.scratch_dir() as folder:
        target = folder / "answer.wav"
        fetch.download(recording_url, target, max_bytes=50_000_000)
        with target.open("rb") as upload:
            save_answer(question_id, upload, "answer.wav", staff)


def published_answers(topic_ids: set[int], since, asker_id: int | None = None) -> list[int]:
    """Stories made of a question and its answer, in these topics, published after `since` (newest first)."""
    query = (
        select(Lesson.id)
        .join(Question, Question.lesson_id == Lesson.id)
        .join(Recording, Recording.id == Question.recording_id)
        .where(
            Question.topic_id.in_(topic_ids), Lesson.status == Lesson.PUBLISHED, Lesson.published_at > since
        )
        .where(Recording.contact_id.is_distinct_from(asker_id))
        .order_by(Lesson.published_at.desc())
    )
    return list(db.session.scalars(query))


def waiting_answer(contact_id: int) -> Question | None:
    """The newest answer to this caller's questions that they have not heard yet."""
    unheard = (Question.ANSWERED, Question.FAILED, Question.SKIPPED)
    return db.session.scalars(_answers(contact_id).where(Question.status.in_(unheard)).limit(1)).first()


def answered_questions(contact_id: int) -> list[Question]:
    """This caller's questions that have an answer, newest first."""
    return list(db.session.scalars(_answers(contact_id)))


def _answers(contact_id: int):
    return (
        select(Question)
        .join(Recording)
        .where(Recording.contact_id == contact_id, Question.answer_key != "")
        .order_by(Question.answered_at.desc(), Question.id.desc())
    )


def route_question(recording: Recording, topic_id: int | None, staff: StaffUser | None) -> Question:
    """Put a recording in the experts' queue for its topic (once); the caller commits."""
    question = db.session.scalar(select(Question).filter_by(recording_id=recording.id))
    if question is None:
        question = Question(recording_id=recording.id, status=Question.OPEN)
        db.session.add(question)
    before = {"topic_id": question.topic_id}
    question.topic_id = topic_id or recording.topic_id
    db.session.flush()
    AuditEntry.record(staff, "route_question", question, before, {"topic_id": question.topic_id})
    return question


def expert_topic_ids(staff: StaffUser) -> set[int]:
    """The topics this expert answers; empty means every topic."""
    return set(db.session.scalars(select(ExpertTopic.topic_id).filter_by(staff_id=staff.id)))


def set_expert_topics(staff: StaffUser, topic_ids: list[int]) -> None:
    """Choose the topics whose questions reach this expert's queue."""
    before = sorted(expert_topic_ids(staff))
    db.session.execute(delete(ExpertTopic).where(ExpertTopic.staff_id == staff.id))
    known = set(db.session.scalars(select(Topic.id).where(Topic.id.in_(topic_ids))))
    db.session.add_all(ExpertTopic(staff_id=staff.id, topic_id=topic_id) for topic_id in sorted(known))
    AuditEntry.record(staff, "expert_topics", staff, {"topics": before}, {"topics": sorted(known)})
    db.session.commit()


def questions(staff: StaffUser, everyone: bool = False, status: str | None = None) -> list[Question]:
    """The expert's queue (questions on their topics, and those with no topic): waiting ones first, oldest first."""
    waiting = case((Question.status.in_((Question.OPEN, Question.FAILED)), 0), else_=1)
    query = select(Question).join(Recording).order_by(waiting, Question.created_at, Question.id)
    topics = expert_topic_ids(staff)
    if topics and not everyone:
        query = query.where(or_(Question.topic_id.in_(topics), Question.topic_id.is_(None)))
    if status:
        query = query.where(Question.status == status)
    return list(db.session.scalars(query))


def get(question_id: int) -> Question:
    """The question, or HelpDeskError."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise HelpDeskError(gettext("that question does not exist"))
    return question


def save_answer(question_id: int, upload: BinaryIO, filename: str, staff: StaffUser) -> Question:
    """Store an expert's recorded or uploaded answer (phone copy) and call it back to the asker."""
    question = get(question_id)
    if question.status == Question.CALLING:
        raise HelpDeskError(gettext("the answer is being delivered right now; wait for the call to end"))
    old_key = question.answer_key
    before = _state(question)
    key, seconds = _store_answer(question, upload, filename)
    question.answer_key = key
    question.answer_seconds = seconds
    question.expert_id = staff.id
    question.answered_at = utcnow()
    question.status = Question.ANSWERED
    question.reason = ""
    question.delivered_at = None
    AuditEntry.record(staff, "answer_question", question, before, _state(question))
    queue.enqueue_after_commit("default", jobs.deliver_answer, question.id)
    db.session.commit()
    if old_key and old_key != key:
        store.delete(old_key)
    return question


def _state(question: Question) -> dict:
    return {"status": question.status, "answer_key": question.answer_key, "expert_id": question.expert_id}


def _store_answer(question: Question, upload: BinaryIO, filename: str) -> tuple[str, float]:
    """Decode the upload (refusing bad audio with a reason), trim it, and keep an 8 kHz phone copy."""
    try:
        with store.scratch_dir() as folder:
            path = lesson_library.receive_upload(upload, filename, folder)
            sound = lesson_library.decode_for_library(path, ANSWER_MAX_SECONDS)
    except lesson_library.LibraryError as error:
        raise HelpDeskError(str(error)) from error
    data = convert.wav_bytes(convert.phone_copy(convert.trim_silence(sound)))
    key = f"recordings/{question.recording_id}/answer-{hashlib.sha256(data).hexdigest()[:12]}.wav"
    store.write_bytes(key, data)
    return key, round(convert.phone_copy(sound).duration_seconds, 3)


def call_again(question_id: int, staff: StaffUser) -> Question:
    """Try the callback once more after an unanswered call."""
    question = get(question_id)
    if question.status not in (Question.FAILED, Question.SKIPPED) or not question.answer_key:
        raise HelpDeskError(gettext("only an answer whose call did not get through can be called again"))
    before = _state(question)
    question.status = Question.ANSWERED
    question.reason = ""
    question.call_sid = ""
    question.next_call_at = None  # still only inside calling hours
    AuditEntry.record(staff, "call_again", question, before, _state(question))
    queue.enqueue_after_commit("default", jobs.deliver_answer, question.id)
    db.session.commit()
    return question


def deliver(question_id: int) -> None:
    """Place the callback that plays the answer, inside calling hours only; honours opt-out; never dials twice."""
    question = db.session.get(Question, question_id)
    if question is None or question.status != Question.ANSWERED:
        return
    moment = answer_calls.now()
    not_before = max(answer_calls.next_opening(moment), answer_calls.aware(question.next_call_at) or moment)
    if not_before > moment:  # the sweep enqueues it again once the time has come
        question.next_call_at = not_before
        question.reason = "waiting for calling hours or a retry"
        db.session.commit()
        return
    if not _move(question_id, Question.ANSWERED, Question.CALLING):
        return  # already being called
    question = get(question_id)
    contact = question.recording.contact
    if contact is None or contact.opted_out_at:
        _finish(question, Question.SKIPPED, "the asker has opted out or was removed")
        return
    path = f"/ivr/answer/{question.id}"
    try:
        sent = twilio.place_call(
            contact.phone, twilio.public_url(path), status_callback=twilio.public_url(f"{path}/status")
        )
    except twilio.TwilioError as error:
        _finish(question, Question.FAILED if error.permanent else Question.ANSWERED, str(error))
        if not error.permanent:
            raise  # RQ retries; the row is answered (not calling) again
        return
    question.call_sid = sent.sid
    question.call_attempts += 1
    question.reason = ""
    db.session.commit()
    queue.enqueue_now("default", jobs.send_answer_sms, question.id)


def sweep_calls() -> list[int]:
    """Enqueue answers whose callback is due (calling hours opened, retry time come); returns their ids."""
    moment = answer_calls.now()
    if not answer_calls.in_hours(moment):
        return []
    due = db.session.scalars(
        select(Question.id).where(
            Question.status == Question.ANSWERED,
            Question.answer_key != "",
            or_(Question.next_call_at.is_(None), Question.next_call_at <= moment),
        )
    ).all()
    for question_id in due:
        queue.enqueue_now("default", jobs.deliver_answer, question_id)
    return list(due)


def _move(question_id: int, from_status: str, to_status: str) -> bool:
    moved = db.session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status == from_status)
        .values(status=to_status)
    ).rowcount
    db.session.commit()
    return bool(moved)


def _finish(question: Question, status: str, reason: str) -> None:
    question.status = status
    question.reason = reason
    db.session.commit()
    log.info("question %s: %s %s", question.id, status, reason)


def send_sms(question_id: int) -> None:
    """Tell the asker by SMS that their answer is there (once; not if they opted out)."""
    question = db.session.get(Question, question_id)
    if question is None or question.sms_sid or question.status not in (Question.CALLING, Question.DELIVERED):
        return
    contact = question.recording.contact
    if contact is None or contact.opted_out_at:
        return
    text = SMS_TEXT.get(contact.language_code or "", SMS_TEXT["en"])
    question.sms_sid = twilio.send_sms(contact.phone, text).sid  # a TwilioError goes to RQ's retry
    db.session.commit()


def answer_for_call(question_id: int) -> tuple[str, Language] | None:
    """The signed URL of the answer and the asker's language, for the callback's TwiML; None if none."""
    question = db.session.get(Question, question_id)
    if question is None or not question.answer_key:
        return None
    code = question.recording.language_code or (question.recording.contact.language_code or "")
    language = db.session.get(Language, code) or db.session.get(Language, "en")
    return playback.signed_media_url(question.answer_key), language


def question_audio_url(question_id: int) -> str | None:
    """The signed URL of the caller's recorded question (replayed before its answer); None if gone."""
    question = db.session.get(Question, question_id)
    key = question.recording.playback_key if question is not None else ""
    return playback.signed_media_url(key) if key else None


def answer_heard(question_id: int) -> None:
    """The asker is hearing the answer (our callback, or their own call to the line): delivered."""
    question = db.session.get(Question, question_id)
    heard_from = (Question.CALLING, Question.FAILED, Question.ANSWERED, Question.SKIPPED)
    if question is not None and question.answer_key and question.status in heard_from:
        question.status = Question.DELIVERED
        question.reason = ""
        question.delivered_at = utcnow()
        db.session.commit()


def call_ended(question_id: int, call_status: str) -> None:
    """A busy or unanswered callback is tried again later the same calling day (up to a limit), else failed."""
    question = db.session.get(Question, question_id)
    if question is None or question.status != Question.CALLING or call_status not in UNANSWERED_CALL:
        return
    again = answer_calls.retry_at(answer_calls.now(), call_status, question.call_attempts)
    if again is None:
        _finish(question, Question.FAILED, f"the call was not answered ({call_status})")
        return
    question.next_call_at = again
    _finish(question, Question.ANSWERED, f"the call was not answered ({call_status}); calling again later")


def publish_with_answer(question_id: int, title: str, staff: StaffUser) -> Lesson:
    """Publish the caller's question followed by the expert's answer as one peer story."""
    question = get(question_id)
    if not question.answer_key:
        raise HelpDeskError(gettext("record an answer before publishing the question with it"))
    recording = question.recording
    language = recording.language_code or "hi"
    try:
        lesson = lesson_library.publish_story_from_recording(
            recording.id, title, language, topic_id=question.topic_id, publish=False
        )
        with store.scratch_dir() as folder:
            combined = _question_and_answer(recording, question, folder)
            with combined.open("rb") as upload:
                lesson_library.save_track(
                    lesson, language, title or "Question and answer", upload, combined.name
                )
        lesson = lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    except lesson_library.LibraryError as error:
        raise HelpDeskError(str(error)) from error
    question.lesson_id = lesson.id
    AuditEntry.record(staff, "publish_answer", question, {"lesson_id": None}, {"lesson_id": lesson.id})
    db.session.commit()
    return lesson


def _question_and_answer(recording: Recording, question: Question, folder: Path) -> Path:
    with store.local_file(recording.playback_key) as path:
        asked = convert.decode(path, recording_pipeline.max_recording_seconds()).audio
    with store.local_file(question.answer_key) as path:
        answered = convert.decode(path, ANSWER_MAX_SECONDS).audio
    pause = AudioSegment.silent(PAUSE_MS, frame_rate=asked.frame_rate)
    target = folder / "question-and-answer.wav"
    target.write_bytes(convert.wav_bytes(asked + pause + answered.set_frame_rate(asked.frame_rate)))
    return target
