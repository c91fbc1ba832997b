"""What a learner is offered first on a call: due re-asks, the course, a changed-advice notice."""

import time
from collections.abc import Callable

from sqlalchemy import select

from audio.models import Lesson, LessonTrack
from core.db import db
from ivr.screen_types import Action, Go, Line, Menu, Turn
from learning import clock, enrolment, reasks, unlearning
from learning.models import Enrolment


def now_ms() -> str:
    """Now in milliseconds: when a question was asked, carried in its URL for the answer's latency."""
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


def after_reasks(turn: Turn) -> Go:
    """Where a call goes once its re-asks are done."""
    return _offer(turn.call.contact_id) or Go("menu")


def enrolment_of(turn: Turn) -> Enrolment | None:
    """The enrolment named in the step URL, if it is this caller's."""
    found = db.session.get(Enrolment, turn.int_arg("enrol") or 0)
    return found if found is not None and found.contact_id == turn.call.contact_id else None


def changed_offer(turn: Turn) -> Menu | Go:
    """'The advice on X has changed: press 1 to hear the new advice.'"""
    notice = unlearning.pending_notice(turn.call.contact_id) if turn.call.contact_id else None
    if notice is None or notice.id != turn.int_arg("notice"):
        return Go("menu")
    title = _title(notice.replacement.old_lesson_id, turn.language.code)
    options: dict[str, Action] = {"1": _hear_new(notice.id), "2": Go("menu")}
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


SCREENS = {"changed_offer": changed_offer}
