"""Key 9, more options: stop or restart calls and messages, missed-call mode, erase everything, language."""

from collections.abc import Callable

from ivr import contact_erasure, missed_calls, phone_opt_out
from ivr.models import Erasure
from ivr.screen_types import End, Go, Line, Menu, Screen, Turn


# Stopping and restarting are two screens, so a key means what the caller heard: "1" posted again
# (a replayed webhook) after the change finds the other screen and changes nothing.
def more(turn: Turn) -> Menu | Go:
    """Said only when asked for (key 9): stop or restart, whichever applies, erase, change the language."""
    contact = turn.call.contact
    language = {"3": Go("language")}
    if contact is None:
        return Menu([Line("more_language"), Line("back_hint")], language, back=Go("menu"))
    if contact.opted_out_at:
        return Go("more_stopped")
    options = {
        "1": _stop_choice(phone_opt_out.opt_out_by_phone, "stopped"),
        "2": Go("erase_confirm"),
        **language,
    }
    mode = "missed_call_off" if contact.missed_call_mode else "missed_call_on"
    options["4"] = _missed_call_mode(not contact.missed_call_mode)
    lines = [Line("stop_options"), Line("more_language"), Line(mode), Line("back_hint")]
    return Menu(lines, options, back=Go("menu"))


def _missed_call_mode(on: bool) -> Callable[[Turn], Go]:
    """Key 4: the caller rings, we reject the call (free for them) and call straight back."""

    def switch(turn: Turn) -> Go:
        missed_calls.set_missed_call_mode(turn.call.contact, on)
        return Go("menu", notice=("missed_call_is_on" if on else "missed_call_is_off",))

    return switch


def more_stopped(turn: Turn) -> Menu | Go:
    """Key 9 for someone who has stopped calls: restart them, erase, change the language."""
    contact = turn.call.contact
    if contact is None or not contact.opted_out_at:
        return Go("more")
    options = {
        "1": _stop_choice(phone_opt_out.opt_in_by_phone, "restarted"),
        "2": Go("erase_confirm"),
        "3": Go("language"),
    }
    lines = [Line("restart_options"), Line("more_language"), Line("back_hint")]
    return Menu(lines, options, back=Go("menu"))


def _stop_choice(change: Callable, notice: str) -> Callable[[Turn], Go]:
    def choose(turn: Turn) -> Go:
        change(turn.call.contact)
        return Go("menu", notice=(notice,))

    return choose


def erase_confirm(turn: Turn) -> Menu | Go:
    """Deleting is for good: it needs a second, explicit key press."""
    if turn.call.contact is None:
        return Go("menu", notice=("stop_unknown_number",))
    return Menu([Line("erase_confirm")], {"1": _erase}, back=Go("more"))


def _erase(turn: Turn) -> Go:
    contact_erasure.request_erasure(turn.call.contact, Erasure.BY_CALLER)
    return Go("erased")


def erased(turn: Turn) -> End:
    return End([Line("erased")])


SCREENS: dict[str, Screen] = {
    "more": more,
    "more_stopped": more_stopped,
    "erase_confirm": erase_confirm,
    "erased": erased,
}
