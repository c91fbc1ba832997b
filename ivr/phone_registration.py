"""Callers say who they are by keypad: role, state and district, asked after their first content."""

import logging

from sqlalchemy import select

from core.db import db
from core.logs import mask_phone
from core.models import Contact, District, State
from ivr.models import (
    Call,
    ListenEvent,
)

log = logging.getLogger(__name__)


def heard_content(call: Call) -> bool:
    """True once this call has started playing a lesson or story."""
    return db.session.scalar(select(ListenEvent.id).filter_by(call_id=call.id).limit(1)) is not None


def needs_registration(call: Call) -> bool:
    """True for a caller who came in by phone and has not told us where they work yet."""
    contact = call.contact
    return bool(contact and contact.created_by == Contact.SELF_REGISTERED and contact.district_id is None)


def place_name(place: State | District, language_code: str) -> str:
    """A state's or district's name as the line says it in the language (Devanagari for Hindi)."""
    return place.name_in(language_code)


def states_with_districts() -> list[State]:
    """States that have districts, in name order (the keypad order of the state menu)."""
    query = select(State).where(State.districts.any()).order_by(State.name)
    return list(db.session.scalars(query))


def districts_of(state_id: int) -> list[District]:
    """A state's districts in keypad order (District.position, then name)."""
    query = select(District).filter_by(state_id=state_id).order_by(District.position, District.name)
    return list(db.session.scalars(query))


def register(call: Call, role: str, district_id: int) -> bool:
    """Save the caller's role and district (and its state); False if either is not valid."""
    district = db.session.get(District, district_id)
    if call.contact is None or district is None or role not in Contact.ROLES:
        return False
    contact = call.contact
    contact.role = role
    contact.district_id = district.id
    contact.state_id = district.state_id
    log.info("contact %s registered by phone", mask_phone(contact.phone))
    return True
