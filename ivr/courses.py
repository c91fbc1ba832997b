"""Learning on the line: a course's lessons segment by segment, its end (score, certificate code), and a
call back after a course call drops. The learner's place is saved at every step by learning.enrolment,
so a call that drops resumes there; a learner in missed-call mode is called back once, within minutes.
"""

from collections.abc import Callable

from sqlalchemy import select

from audio import playback
from core.db import db
from ivr import (
    course_prompts,
    flow,
    learning_offers,
    listening,
    listening_screens,
    main_menu_screens,
    missed_calls,
    prompts,
    questions,
)
from ivr.learning_offers import enrolment_of, now_ms
from ivr.models import Call, Callback, ListenEvent
from ivr.screen_types import Action, Go, Line, Menu, Turn
from learning import certificates, enrolment
from learning.models import Answer, Certificate

RESUME_PREFIX = "resume-"  # Callback.missed_call_sid of a call back after a dropped course call


def install() -> None:
    """Add the learning screens and prompts to the call flow, and offer learning at the start of a call."""
    prompts.PROMPTS.update(course_prompts.PROMPTS)
    flow.SCREENS.update({**SCREENS, **questions.SCREENS, **learning_offers.SCREENS})
    # re-asks and the course come before any other offer
    if learning_offers.at_call_start not in main_menu_screens.START_OFFERS:
        main_menu_screens.START_OFFERS = (learning_offers.at_call_start, *main_menu_screens.START_OFFERS)


def course_offer(turn: Turn) -> Menu | Go:
    """'Continue your course: press 1.'"""
    learner = enrolment_of(turn)
    if learner is None:
        return Go("menu")
    title = learner.course.title(turn.language.code)
    options: dict[str, Action] = {"1": Go("course_next", {"enrol": learner.id}), "2": Go("menu")}
    return Menu([Line("course_continue", {"course": title})], options, back=Go("menu"))


def course_next(turn: Turn) -> Go:
    """Wherever the learner is: a test item, a lesson (from its segment), the quiz, the end."""
    learner = enrolment_of(turn)
    if learner is None:
        return Go("menu")
    step = enrolment.where(learner)
    here = {"enrol": learner.id}
    if step.item is not None:
        stage = Answer.LESSON if step.kind == "quiz" else step.kind
        first = step.kind == "quiz" and learner.item_index == 0
        return Go(
            "quiz",
            {**here, "item": step.item.id, "stage": stage, "at": now_ms()},
            notice=("quiz_intro",) if first else (),
        )
    if step.kind == "lesson":
        return Go("course_play", {**here, "lesson": step.lesson_id, "pos": learner.segment})
    if step.kind == "finish":
        certificates.finish(learner)
        return Go("course_done", here)
    if step.kind == "wait":
        return Go("menu", notice=("course_next_week",))
    return Go("menu")


def course_play(turn: Turn) -> Menu | Go:
    """One segment of the course's lesson: # skips on, 0 repeats; the last one leads to the quiz."""
    learner, lesson_id, position = enrolment_of(turn), turn.int_arg("lesson"), turn.int_arg("pos") or 0
    playlist = playback.lesson_playlist(lesson_id, turn.language.code) if learner and lesson_id else []
    if learner is None or not playlist:
        return Go("menu")
    here = {"enrol": learner.id, "lesson": lesson_id}
    if position >= len(playlist):
        return Go("course_next", {"enrol": learner.id})
    onward = _segment_done(position, len(playlist))
    return Menu(
        [Line(url=playlist[position].url)],
        {"#": onward, "0": Go("course_play", {**here, "pos": position})},
        back=Go("menu"),
        on_silence=onward,
        on_enter=_segment_started(position),
        timeout=listening_screens.SEGMENT_GAP_SECONDS,
    )


def _segment_started(position: int) -> Callable[[Turn], None]:
    def started(turn: Turn) -> None:
        learner, lesson_id = enrolment_of(turn), turn.int_arg("lesson")
        if learner is None or lesson_id is None:
            return
        listening.log_listen(turn.call, lesson_id, position, ListenEvent.START)
        listening.save_progress(turn.call, lesson_id, position, None)
        enrolment.note_segment(learner, position, turn.call.call_sid)

    return started


def _segment_done(position: int, length: int) -> Callable[[Turn], Go]:
    def done(turn: Turn) -> Go:
        learner, lesson_id = enrolment_of(turn), turn.int_arg("lesson")
        if learner is None or lesson_id is None:
            return Go("menu")
        finished = position + 1 >= length
        listening.log_listen(turn.call, lesson_id, position, ListenEvent.COMPLETE)
        listening.save_progress(turn.call, lesson_id, position + 1, None, done=finished)
        if not finished:
            enrolment.note_segment(learner, position + 1, turn.call.call_sid)
            return Go("course_play", {"enrol": learner.id, "lesson": lesson_id, "pos": position + 1})
        enrolment.lesson_heard(learner)
        return Go("course_next", {"enrol": learner.id})

    return done


def course_done(turn: Turn) -> Menu | Go:
    """The score and, with the pass mark, the certificate code (its SMS is on its way)."""
    learner = enrolment_of(turn)
    if learner is None or learner.score is None:
        return Go("menu")
    certificate = db.session.scalar(select(Certificate).filter_by(enrolment_id=learner.id))
    if certificate is not None:
        line = Line("course_passed", {"score": learner.score, "code": " ".join(certificate.code)})
    else:
        line = Line("course_not_passed", {"score": learner.score, "mark": learner.course.pass_mark})
    return Menu(
        [line, Line("course_done_options")], {"1": Go("menu")}, back=Go("menu"), on_silence=Go("menu")
    )


def call_back_if_dropped(call: Call) -> None:
    """A call that ended inside a lesson or quiz: a learner in missed-call mode is called back, once."""
    if not call.ended or call.contact is None or not call.contact.missed_call_mode:
        return
    is_resume = select(Callback.id).where(
        Callback.call_sid == call.call_sid, Callback.missed_call_sid.startswith(RESUME_PREFIX)
    )
    if db.session.scalar(is_resume) is not None:
        return  # the call back itself dropped: once is enough, the next call resumes anyway
    learner = enrolment.dropped_mid_course(call.call_sid)
    if learner is None:
        return
    learner.callback_for_sid = call.call_sid
    missed_calls.queue_callback(call.contact.id, RESUME_PREFIX + call.call_sid)


SCREENS = {
    "course_offer": course_offer,
    "course_next": course_next,
    "course_play": course_play,
    "course_done": course_done,
}
