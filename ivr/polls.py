"""Keypad polls on the line: each question in the caller's language, answered by one key (campaigns.polls)."""

from campaigns import polls
from campaigns.models import Poll, PollAnswer
from core.db import db
from ivr.screen_types import Action, Go, Line, Menu, Turn

POLL_KEY = "#"  # after a lesson with a poll attached (the digits are taken by the after-item menu)


def poll_after(turn: Turn) -> tuple[list[Line], dict[str, Action]]:
    """After a lesson with a poll attached: hash answers it (offered until answered on this call)."""
    lesson_id = turn.int_arg("lesson")
    poll = polls.after_lesson(lesson_id) if lesson_id else None
    if poll is None or not poll.questions or _answered(turn, poll):
        return [], {}
    return [Line("poll_offer")], {POLL_KEY: Go("poll", {"poll": poll.id})}


def _answered(turn: Turn, poll: Poll) -> bool:
    first = poll.questions[0].id
    found = db.session.query(PollAnswer.id).filter_by(question_id=first, call_sid=turn.call.call_sid)
    return found.first() is not None


def poll_question(turn: Turn) -> Menu | Go:
    """Question q of the poll: its words, then a key per choice; star skips it."""
    poll = db.session.get(Poll, turn.int_arg("poll") or 0)
    number = turn.int_arg("q") or 0
    if poll is None:
        return Go("menu")
    if number >= len(poll.questions):
        return Go("menu", notice=("poll_thanks",))
    question = poll.questions[number]
    intro = [Line("poll_intro")] if number == 0 else []
    options: dict[str, Action] = {str(key): _answer(key) for key in range(1, len(question.labels) + 1)}
    following = Go("poll", {"poll": poll.id, "q": number + 1})
    return Menu([*intro, Line(text=question.text(turn.language.code))], options, back=following)


def _answer(key: int):
    def answer(turn: Turn) -> Go:
        poll = db.session.get(Poll, turn.int_arg("poll") or 0)
        number = turn.int_arg("q") or 0
        if poll is None or number >= len(poll.questions):
            return Go("menu")
        question = poll.questions[number]
        polls.answer(question, turn.call.call_sid, turn.call.contact, key, turn.language.code)
        return Go("poll", {"poll": poll.id, "q": number + 1})

    return answer


SCREENS = {"poll": poll_question}
