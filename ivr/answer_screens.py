"""Answers to the caller's own questions: the answered ones by topic, each heard after the question it answers."""

from ivr import list_screens, prompt_editing
from ivr.screen_types import Go, Line, Menu, Screen, Turn
from transcription import helpdesk


def answers(turn: Turn) -> Menu | Go:
    """The caller's answered questions, newest first, each named by its topic."""
    found = helpdesk.answered_questions(turn.call.contact_id) if turn.call.contact_id else []
    code = turn.language.code
    items = [(_question_label(question, code), Go("answer", {"question": question.id})) for question in found]
    if not items:
        return Go("menu")
    return list_screens.choice_list(turn, "answers", "answers_intro", items, back=Go("menu"))


def _question_label(question, code: str) -> str:
    return (
        question.topic.name(code) if question.topic else prompt_editing.prompt_words("answers_no_topic", code)
    )


def answer(turn: Turn) -> Menu | Go:
    """The caller's own question, then the expert's answer; 1 hears it again."""
    question_id = turn.int_arg("question") or 0
    found = helpdesk.answer_for_call(question_id) if _asked_by(turn, question_id) else None
    if found is None:
        return Go("menu")
    asked = helpdesk.question_audio_url(question_id)
    heard = [Line("answer_asked"), Line(url=asked), Line("answer_follows")] if asked else []
    options = {"1": Go("answer", {"question": question_id})}
    lines = [*heard, Line(url=found[0]), Line("answer_replay"), Line("back_hint")]
    return Menu(lines, options, back=Go("menu"), on_enter=lambda t: helpdesk.answer_heard(question_id))


def _asked_by(turn: Turn, question_id: int) -> bool:
    contact_id = turn.call.contact_id
    return bool(contact_id) and any(q.id == question_id for q in helpdesk.answered_questions(contact_id))


SCREENS: dict[str, Screen] = {
    "answers": answers,
    "answer": answer,
}
