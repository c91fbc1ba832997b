"""Keypad questions on the line: re-asks at the start of a call, a course's items, the explanation after
each answer, and a curator's preview of one item in the phone simulator (nothing stored)."""

import time
from collections.abc import Callable

from audio import playback, prompt_audio
from core.db import db
from ivr import listening_screens
from ivr.learning_offers import after_reasks, enrolment_of, now_ms
from ivr.screen_types import End, Go, Line, Menu, Turn
from learning import enrolment, quizzes, reasks
from learning.models import Answer, QuizItem

QUESTION_SECONDS = 10  # time to choose a key after the options were read


def reask(turn: Turn) -> Menu | Go:
    """A due item asked again: any option key answers it, # or silence skips it."""
    n, contact_id = turn.int_arg("n") or 0, turn.call.contact_id
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    if item is None or contact_id is None:
        due = reasks.due_for(contact_id, 1) if contact_id and n < reasks.MAX_PER_CALL else []
        return Go("reask", {"n": n, "item": due[0].id, "at": now_ms()}) if due else after_reasks(turn)
    intro = [Line("reask_intro")] if n == 0 else []
    skip = _answer(item.id, Answer.REASK, then={"then": "reask", "n": n + 1}, explain=False)
    return _question(
        turn,
        item,
        intro,
        skip,
        lambda key: _answer(item.id, Answer.REASK, {"then": "reask", "n": n + 1}, key=key),
    )


def quiz(turn: Turn) -> Menu | Go:
    """A course item after a lesson, or in the pre- or post-test."""
    learner = enrolment_of(turn)
    item = db.session.get(QuizItem, turn.int_arg("item") or 0)
    if learner is None or item is None:
        return Go("menu")
    then, stage = {"then": "course", "enrol": learner.id}, turn.args.get("stage", Answer.LESSON)
    skip = _answer(item.id, stage, then)
    return _question(turn, item, [], skip, lambda key: _answer(item.id, stage, then, key=key))


def _question(turn: Turn, item: QuizItem, intro: list[Line], skip, answer_with) -> Menu:
    """The question (uploaded audio or the words), one line per option, the skip hint."""
    version = item.version(turn.language.code)
    uploaded = prompt_audio.prompt_audio_keys(version.language_code).get(version.audio_prompt_id or "-")
    question = (
        Line(url=playback.signed_media_url(uploaded))
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
        learner = enrolment_of(turn) if then.get("then") == "course" else None
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
    return Menu(lines, {"#": onward}, on_silence=onward, timeout=listening_screens.SEGMENT_GAP_SECONDS)


def _verdict(turn: Turn, item: QuizItem, key: str) -> list[Line]:
    version = item.version(turn.language.code)
    right_label = version.labels.get(item.right_key, item.right_key)
    verdict = {item.right_key: Line("quiz_right"), "-": Line("quiz_skipped", {"answer": right_label})}
    first = verdict.get(key, Line("quiz_wrong", {"answer": right_label}))
    return [first, Line("quiz_text", {"text": version.explanation})]


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


SCREENS = {
    "reask": reask,
    "quiz": quiz,
    "explain": explain,
    "quiz_preview": quiz_preview,
    "preview_explain": preview_explain,
}
