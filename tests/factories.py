"""Tiny factories: make_* with sensible defaults and keyword overrides."""

import itertools
import secrets

from sqlalchemy import select

from core.auth import create_staff
from core.db import db
from core.models import Contact, District

_sequence = itertools.count(1)
STAFF_PASSWORD = "correct horse battery"


def make_staff(role: str = "curator", username: str | None = None, districts=(), **fields):
    """A committed staff account whose password is STAFF_PASSWORD."""
    user = create_staff(username or f"{role}{next(_sequence)}", STAFF_PASSWORD, role, **fields)
    user.districts = [district(name) if isinstance(name, str) else name for name in districts]
    db.session.commit()
    return user


def make_contact(phone: str | None = None, **fields) -> Contact:
    """A committed contact with a unique Indian mobile number."""
    fields.setdefault("language_code", "hi")
    if isinstance(fields.get("district"), str):
        fields["district"] = district(fields["district"])
    contact = Contact(phone=phone or f"+9198{secrets.randbelow(10**8):08d}", **fields)
    db.session.add(contact)
    db.session.commit()
    return contact


def district(name: str) -> District:
    return db.session.scalar(select(District).filter_by(name=name))
