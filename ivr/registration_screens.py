"""Who is calling, by keypad: role, state and district, asked once per call after some content; star skips."""

from collections.abc import Callable

from core.db import db
from core.models import Contact, District
from ivr import list_screens, phone_registration, prompt_editing
from ivr.models import Call
from ivr.screen_types import Go, Line, Menu, Screen, Turn

ROLE_KEYS = {"1": Contact.MASON, "2": Contact.MOTIVATOR, "3": Contact.OTHER}


def registration_due(call: Call) -> bool:
    """Ask who is calling once per call, and only after the caller has heard something (the budget)."""
    return (
        not call.offered("registration")
        and phone_registration.needs_registration(call)
        and phone_registration.heard_content(call)
    )


def register(turn: Turn) -> Menu:
    """The caller's work: mason, motivator or other; star skips the whole registration."""
    options = {key: Go("register_state", {"role": role}) for key, role in ROLE_KEYS.items()}
    lines = [Line("register_intro"), Line("register_role"), Line("register_skip")]
    return Menu(lines, options, back=Go("menu"), on_enter=_asked_registration)


def _asked_registration(turn: Turn) -> None:
    turn.call.mark_offered("registration")


def register_state(turn: Turn) -> Menu | Go:
    role, states = turn.args.get("role"), phone_registration.states_with_districts()
    if role not in Contact.ROLES or not states:
        return Go("menu")
    if len(states) == 1:  # nothing to choose
        return Go("register_district", {"role": role, "state": states[0].id})
    code = turn.language.code
    items = [(s.name_in(code), Go("register_district", {"role": role, "state": s.id})) for s in states]
    return list_screens.choice_list(
        turn, "register_state", "register_state_intro", items, back=Go("register")
    )


def register_district(turn: Turn) -> Menu | Go:
    role, state_id = turn.args.get("role"), turn.int_arg("state")
    districts = phone_registration.districts_of(state_id) if state_id else []
    if role not in Contact.ROLES or not districts:
        return Go("register")
    here = {"role": role, "state": state_id}
    items = [
        (d.name_in(turn.language.code), Go("register_confirm", {**here, "district": d.id})) for d in districts
    ]
    single_state = (
        len(phone_registration.states_with_districts()) == 1
    )  # its question was skipped going forward
    back = Go("register") if single_state else Go("register_state", {"role": role})
    return list_screens.choice_list(turn, "register_district", "register_district_intro", items, back=back)


def register_confirm(turn: Turn) -> Menu | Go:
    """The choice played back before it is saved: 1 saves it, 2 starts again, star skips."""
    role, district = turn.args.get("role"), db.session.get(District, turn.int_arg("district") or 0)
    if role not in Contact.ROLES or district is None:
        return Go("register")
    role_name = prompt_editing.prompt_words(f"role_{role}", turn.language.code)
    code = turn.language.code
    heard = {"role": role_name, "district": district.name_in(code), "state": district.state.name_in(code)}
    options = {"1": _save_registration(role, district.id), "2": Go("register")}
    return Menu([Line("register_confirm", heard)], options, back=Go("menu"))


def _save_registration(role: str, district_id: int) -> Callable[[Turn], Go]:
    def save(turn: Turn) -> Go:
        saved = phone_registration.register(turn.call, role, district_id)
        return Go("menu", notice=("register_thanks",) if saved else ())

    return save


SCREENS: dict[str, Screen] = {
    "register": register,
    "register_state": register_state,
    "register_district": register_district,
    "register_confirm": register_confirm,
}
