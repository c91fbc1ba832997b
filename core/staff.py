"""Staff accounts changed by an admin or by their owner: roles, districts, passwords, phones."""

import secrets

from flask_babel import gettext
from sqlalchemy import select

from core.auth import hash_password
from core.db import db
from core.models import District, StaffUser
from core.people import InvalidPhoneError, normalise_phone

MIN_PASSWORD = 10


class StaffError(ValueError):
    """A change that was refused; the message says why, in the page's language."""


def all_staff() -> list[StaffUser]:
    """Every account, active ones first, by name."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.username)))


def apply_admin_fields(user: StaffUser, form) -> None:
    """Role, districts, expert flag, name and whether the account may log in, as an admin set them."""
    role = form.get("role", "")
    if role not in StaffUser.ROLES:
        raise StaffError(gettext("Choose a role."))
    user.role = role
    user.name = form.get("name", "").strip()[:120]
    user.is_expert = form.get("is_expert") == "1"
    ids = [int(value) for value in form.getlist("district_ids") if value.isdigit()]
    user.districts = list(db.session.scalars(select(District).where(District.id.in_(ids)))) if ids else []
    if role == StaffUser.OFFICER and not user.districts:
        raise StaffError(gettext("A district officer needs at least one district."))
    set_active(user, form.get("active", "1") == "1")


def set_active(user: StaffUser, active: bool) -> None:
    """Let the account log in, or stop it, ending any session it has open."""
    if user.active and not active:
        user.session_token = secrets.token_hex(16)
    user.active = active


def check_password(password: str, again: str) -> None:
    """Refuse a new password that is too short or was mistyped once of the two times."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(gettext("The password needs at least %(count)s characters.", count=MIN_PASSWORD))
    if password != again:
        raise StaffError(gettext("The two passwords are not the same."))


def set_password(user: StaffUser, password: str, again: str) -> None:
    """A new password (typed twice); every session of the account ends."""
    check_password(password, again)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)


def set_phone(user: StaffUser, raw: str) -> None:
    """The staff member's own phone, for test-sends; blank removes it."""
    if not raw.strip():
        user.phone = ""
        return
    try:
        user.phone = normalise_phone(raw)
    except InvalidPhoneError:
        raise StaffError(gettext("That does not look like a mobile number.")) from None


def username_taken(username: str) -> bool:
    """Whether an account already has this username."""
    return db.session.scalar(select(StaffUser.id).filter_by(username=username.strip().lower())) is not None
