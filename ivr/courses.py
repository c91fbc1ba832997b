"""Learning on the line: due re-asks and the course come first on a call, then lessons, quizzes, certificates.

The screens follow ivr.flow's rules (a screen returns a Menu, Go or End; state travels in the URLs or
the database). The learner's place in a course is saved at every step by learning.enrolment, so a call
that drops resumes there; a learner in missed-call mode is called back once, within minutes.
"""

import time
from collections.abc import Callable

from sqlalchemy import select

from audio import services as audio
from audio.models import Lesson, LessonTrack
from core.db import db
from ivr import course_prompts, flow, prompts, services
from ivr.flow import End, Go, Line, Menu, Turn
from ivr.models import Call, Callback, ListenEvent
from learning import certificates, clock, enrolment, quizzes, reasks, unlearning
from learning.models import Answer, Certificate, Enrolment, QuizItem

QUESTION_SECONDS = 10  # time to choose a key after the options were read
RESUME_PREFIX = "resume-"  # Callback.missed_call_sid of a call back after a dropped course call


def install() -> None:
    """Add the learning screens and prompts to the call flow, and offer learning at the start of a call."""
    prompts.PROMPTS.update(course_prompts.PROMPTS)
    flow.SCREENS.update(SCREENS)
    if at_call_start not in flow.START_OFFERS:  # re-asks and the course come before any other offer
        flow.START_OFFERS = (at_call_start, *flow.START_OFFERS)


def _ms() -> str:
    return str(int(time.time() * 1000))


def at_call_start(turn: Turn) -> Go | None:
    """Due re-asks first (at most two), then the course, then a changed-advice notice; None: nothing."""
    contact_id = turn.call.contact_id
    if contact_id is None:
        return None
    if reasks.due_for(contact_id, 1):
        return Go("reask", {"n": 0}, notice=("welcome_back",))
    offer = _offer(contact_id)
    return Go(offer.screen, offer.args, notice=("welcome_back",)) if offer else None


def _offer(contact_id: int | None) -> Go | None:
    if contact_id is None:
        return None
    step = enrolment.next_ready(contact_id)
    if step is not None:
        return Go("course_offer", {"enrol": step.enrolment.id})
    notice = unlearning.pending_notice(contact_id)
    return Go("changed_offer", {"notice": notice.id}) if notice else None


def _after_reasks(turn: Turn) -> Go:
    return _offer(turn.call.contact_id) or Go("menu")


# --- re-asks ---


def reask(turn: Turn) -> Menu | Go:
    """A due item asked again: any option key answers it, # or silence skips it."""
    n, contact_id = turn.int_arg("n") or 0, turn.call.contact_id
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    if item is None or contact_id is None:
        due = reasks.due_for(contact_id, 1) if contact_id and n < reasks.MAX_PER_CALL else []
        return Go("reask", {"n": n, "item": due[0].id, "at": _ms()}) if due else _after_reasks(turn)
    intro = [Line("reask_intro")] if n == 0 else []
    skip = _answer(item.id, Answer.REASK, then={"then": "reask", "n": n + 1}, explain=False)
    return _question(
        turn,
        item,
        intro,
        skip,
        lambda key: _answer(item.id, Answer.REASK, {"then": "reask", "n": n + 1}, key=key),
    )


# --- the course ---


def _enrolment(turn: Turn) -> Enrolment | None:
    found = db.session.get(Enrolment, turn.int_arg("enrol") or 0)
    return found if found is not None and found.contact_id == turn.call.contact_id else None


def course_offer(turn: Turn) -> Menu | Go:
    """'Continue your course: press 1.'"""
    learner = _enrolment(turn)
    if learner is None:
        return Go("menu")
    title = learner.course.title(turn.language.code)
    options: dict[str, flow.Action] = {"1": Go("course_next", {"enrol": learner.id}), "2": Go("menu")}
    return Menu([Line("course_continue", {"course": title})], options, back=Go("menu"))


def course_next(turn: Turn) -> Go:
    """Wherever the learner is: a test item, a lesson (from its segment), the quiz, the end."""
    learner = _enrolment(turn)
    if learner is None:
        return Go("menu")
    step = enrolment.where(learner)
    here = {"enrol": learner.id}
    if step.item is not None:
        stage = Answer.LESSON if step.kind == "quiz" else step.kind
        first = step.kind == "quiz" and learner.item_index == 0
        return Go(
            "quiz",
            {**here, "item": step.item.id, "stage": stage, "at": _ms()},
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
    learner, lesson_id, position = _enrolment(turn), turn.int_arg("lesson"), turn.int_arg("pos") or 0
    playlist = audio.lesson_playlist(lesson_id, turn.language.code) if learner and lesson_id else []
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
        timeout=flow.SEGMENT_GAP_SECONDS,
    )


def _segment_started(position: int) -> Callable[[Turn], None]:
    def started(turn: Turn) -> None:
        learner, lesson_id = _enrolment(turn), turn.int_arg("lesson")
        if learner is None or lesson_id is None:
            return
        services.log_listen(turn.call, lesson_id, position, ListenEvent.START)
        services.save_progress(turn.call, lesson_id, position, None)
        enrolment.note_segment(learner, position, turn.call.call_sid)

    return started


def _segment_done(position: int, length: int) -> Callable[[Turn], Go]:
    def done(turn: Turn) -> Go:
        learner, lesson_id = _enrolment(turn), turn.int_arg("lesson")
        if learner is None or lesson_id is None:
            return Go("menu")
        finished = position + 1 >= length
        services.log_listen(turn.call, lesson_id, position, ListenEvent.COMPLETE)
        services.save_progress(turn.call, lesson_id, position + 1, None, done=finished)
        if not finished:
            enrolment.note_segment(learner, position + 1, turn.call.call_sid)
            return Go("course_play", {"enrol": learner.id, "lesson": lesson_id, "pos": position + 1})
        enrolment.lesson_heard(learner)
        return Go("course_next", {"enrol": learner.id})

    return done


def quiz(turn: Turn) -> Menu | Go:
    """A course item after a lesson, or in the pre- or post-test."""
    learner = _enrolment(turn)
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    if learner is None or item is None:
        return Go("menu")
    then, stage = {"then": "course", "enrol": learner.id}, turn.args.get("stage", Answer.LESSON)
    skip = _answer(item.id, stage, then)
    return _question(turn, item, [], skip, lambda key: _answer(item.id, stage, then, key=key))


def course_done(turn: Turn) -> Menu | Go:
    """The score and, with the pass mark, the certificate code (its SMS is on its way)."""
    learner = _enrolment(turn)
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


# --- asking and answering ---


def _question(turn: Turn, item: QuizItem, intro: list[Line], skip, answer_with) -> Menu:
    """The question (uploaded audio or the words), one line per option, the skip hint."""
    version = item.version(turn.language.code)
    uploaded = audio.prompt_audio_keys(version.language_code).get(version.audio_prompt_id or "-")
    question = (
        Line(url=audio.signed_media_url(uploaded))
        if uploaded
        else Line("quiz_text", {"text": version.question})
    )
    labels = version.labels
    options = [Line("quiz_option", {"label": labels.get(key, key), "digit": key}) for key in item.option_keys]
    keys = {key: answer_with(key) for key in item.option_keys}
    return Menu(
        [*intro, question, *options, Line("quiz_skip_hint")],
        {**keys, "#": skip},
        on_silence=skip,
        timeout=QUESTION_SECONDS,
    )


def _answer(
    item_id: int, stage: str, then: dict, key: str = "", explain: bool = True
) -> Callable[[Turn], Go]:
    def answer(turn: Turn) -> Go:
        item, contact_id = db.session.get(QuizItem, item_id), turn.call.contact_id
        if item is None or contact_id is None:
            return Go("menu")
        learner = _enrolment(turn) if then.get("then") == "course" else None
        quizzes.record_answer(
            turn.call.call_sid,
            contact_id,
            item,
            key,
            stage,
            _latency(turn),
            learner.id if learner else None,
        )
        if learner is not None:
            enrolment.item_done(learner, turn.call.call_sid)
        if not explain:
            return _continue(then)
        return Go("explain", {**then, "item": item_id, "key": key or "-"})

    return answer


def _latency(turn: Turn) -> int | None:
    asked = turn.args.get("at", "")
    return max(0, int(time.time() * 1000) - int(asked)) if asked.isdigit() else None


def _continue(then: dict) -> Go:
    if then.get("then") == "course":
        return Go("course_next", {"enrol": then["enrol"]})
    return Go("reask", {"n": then.get("n", 0)})


def explain(turn: Turn) -> Menu | Go:
    """After an answer: right confirms; wrong or skipped says the right answer; then the explanation."""
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    then = {k: v for k, v in turn.args.items() if k in ("then", "enrol", "n")}
    if item is None:
        return _continue(then)
    onward = _continue(then)
    lines = _verdict(turn, item, turn.args.get("key", "-"))
    return Menu(lines, {"#": onward}, on_silence=onward, timeout=flow.SEGMENT_GAP_SECONDS)


def _verdict(turn: Turn, item: QuizItem, key: str) -> list[Line]:
    version = item.version(turn.language.code)
    right_label = version.labels.get(item.right_key, item.right_key)
    verdict = {item.right_key: Line("quiz_right"), "-": Line("quiz_skipped", {"answer": right_label})}
    first = verdict.get(key, Line("quiz_wrong", {"answer": right_label}))
    return [first, Line("quiz_text", {"text": version.explanation})]


# --- a curator's preview in the phone simulator: the item alone, nothing stored ---


def quiz_preview(turn: Turn) -> Menu | Go:
    """An item (draft or published) asked as on a call; the answer is explained, never stored."""
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    if item is None:
        return Go("menu")
    skip = Go("preview_explain", {"item": item.id, "key": "-"})
    return _question(turn, item, [], skip, lambda key: Go("preview_explain", {"item": item.id, "key": key}))


def preview_explain(turn: Turn) -> End | Go:
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    return End(_verdict(turn, item, turn.args.get("key", "-"))) if item else Go("menu")


# --- changed advice ---


def changed_offer(turn: Turn) -> Menu | Go:
    """'The advice on X has changed: press 1 to hear the new advice.'"""
    notice = unlearning.pending_notice(turn.call.contact_id) if turn.call.contact_id else None
    if notice is None or notice.id != turn.int_arg("notice"):
        return Go("menu")
    title = _title(notice.replacement.old_lesson_id, turn.language.code)
    options: dict[str, flow.Action] = {"1": _hear_new(notice.id), "2": Go("menu")}
    return Menu([Line("advice_changed", {"title": title})], options, back=Go("menu"))


def _hear_new(notice_id: int) -> Callable[[Turn], Go]:
    def hear(turn: Turn) -> Go:
        notice = unlearning.pending_notice(turn.call.contact_id) if turn.call.contact_id else None
        if notice is None or notice.id != notice_id:
            return Go("menu")
        unlearning.mark_heard(notice, clock.now())
        return Go("play", {"lesson": notice.replacement.new_lesson_id, "kind": Lesson.LESSON, "intro": 1})

    return hear


def _title(lesson_id: int, language_code: str) -> str:
    tracks = {
        t.language_code: t.title
        for t in db.session.scalars(select(LessonTrack).filter_by(lesson_id=lesson_id))
    }
    return tracks.get(language_code) or next(iter(tracks.values()), "")


# --- dropped calls ---


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
    services.queue_callback(call.contact.id, RESUME_PREFIX + call.call_sid)


SCREENS = {
    "reask": reask,
    "course_offer": course_offer,
    "course_next": course_next,
    "course_play": course_play,
    "quiz": quiz,
    "explain": explain,
    "course_done": course_done,
    "changed_offer": changed_offer,
    "quiz_preview": quiz_preview,
    "preview_explain": preview_explain,
}
