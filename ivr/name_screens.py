"""A caller's own name, in their voice, for the stories they share with their name: offered once per call."""

from audio.models import Recording
from ivr import consent_takes, listening, prompts
from ivr.models import Consent
from ivr.screen_types import Go, Line, Menu, Screen, Turn


def may_ask_name(turn: Turn, given: Consent) -> bool:
    """Once per call, after a story kept with the caller's name, if the line has no recording of their name."""
    named_story = given.kind == Recording.STORY and given.choice == Consent.NAMED
    contact_id = turn.call.contact_id
    return bool(
        named_story and contact_id and not turn.call.offered("name") and not listening.has_name(contact_id)
    )


def name_offer(turn: Turn) -> Menu:
    """1: record their name (a few seconds, reviewed like any recording); star: not now."""
    return Menu([Line("name_offer")], {"1": _record_name}, back=Go("menu"), on_enter=_asked_name)


def _asked_name(turn: Turn) -> None:
    turn.call.mark_offered("name")


def _record_name(turn: Turn) -> Go:
    given = consent_takes.record_consent(
        turn.call, Recording.NAME, None, prompts.PROMPTS["name_offer"], "1", Consent.NAMED
    )
    return Go("record", {"consent": given.id})


SCREENS: dict[str, Screen] = {
    "name_offer": name_offer,
}
