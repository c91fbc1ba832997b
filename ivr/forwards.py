"""Forward to a friend on the line: the sharer types a number after an item; the friend's call plays it.

The forward itself (limits, opt-outs, calling hours, the outbound call) is campaigns.forwards.
"""

from audio import playback
from audio.models import Lesson
from campaigns import forwards
from core.db import db
from ivr import (
    phone_opt_out,
)
from ivr.screen_types import Action, Go, Line, Menu, Turn

SHARE_KEY, STOP_KEY = "8", "3"
NUMBER_SECONDS = 15  # time to type ten digits


def _here(turn: Turn) -> dict:
    return {key: turn.args[key] for key in ("lesson", "topic", "kind") if key in turn.args}


def forward_after(turn: Turn) -> tuple[list[Line], dict[str, Action]]:
    """Key 8 after any item, for a caller whose number we know (a forward needs a sharer)."""
    if turn.int_arg("lesson") is None or turn.call.contact_id is None:
        return [], {}
    return [Line("forward_offer")], {SHARE_KEY: Go("forward", _here(turn))}


def forward(turn: Turn) -> Menu | Go:
    """Type a colleague's ten-digit mobile number, then hash; star goes back."""
    if turn.int_arg("lesson") is None:
        return Go("menu")
    after = Go("after", {**_here(turn), "rated": 1})
    return Menu([Line("forward_ask")], {}, back=after, timeout=NUMBER_SECONDS, digits=10, number=_share)


def _share(turn: Turn) -> Go:
    typed = turn.form.get("Digits", "").rstrip("#")
    _, refusal = forwards.ask(turn.call.contact_id, typed, turn.int_arg("lesson") or 0)
    if refusal == forwards.BAD_NUMBER:  # a mistyped number: try again
        return Go("forward", _here(turn), notice=("forward_refused_number",))
    notice = f"forward_refused_{refusal}" if refusal else "forward_queued"
    return Go("after", {**_here(turn), "rated": 1}, notice=(notice,))


def forwarded(turn: Turn) -> Menu | Go:
    """The friend's call: who shared it, the item, then 1 for the main menu or 3 to stop every call."""
    found = forwards.for_call(turn.int_arg("forward") or 0)
    if found is None or found.to_contact_id != turn.call.contact_id:
        return Go("menu")
    lesson = found.lesson_id
    item = db.session.get(Lesson, lesson)
    kind = Lesson.STORY if item is not None and item.kind == Lesson.STORY else Lesson.LESSON
    sharer = found.from_contact.name if found.from_contact and found.from_contact.name else ""
    intro = (
        Line(f"forward_intro_{kind}", {"name": sharer}) if sharer else Line(f"forward_intro_{kind}_unnamed")
    )
    items = playback.lesson_playlist(lesson, turn.language.code)
    played = [Line(url=item.url, text=item.text, voice=item.voice) for item in items]
    options: dict[str, Action] = {"1": Go("menu"), STOP_KEY: _stop}
    return Menu([intro, *played, Line("forward_options")], options, back=Go("menu"), on_silence=Go("menu"))


def _stop(turn: Turn) -> Go:
    if turn.call.contact is not None:
        phone_opt_out.opt_out_by_phone(turn.call.contact)
    return Go("menu", notice=("stopped",))


SCREENS = {"forward": forward, "forwarded": forwarded}
