"""An opt-out outlives the erasure of the person who gave it: their number comes back opted out."""

import io

from sqlalchemy import select

from core import contact_import, people
from core.db import db
from core.models import Contact, ErasedOptOut, SuppressionEvent
from ivr import (
    contact_erasure,
)
from ivr.models import Erasure
from tests.factories import make_contact
from tests.ivr_fixtures import Phone
from tests.privacy.test_erasure import SPELLINGS, database_dump

NUMBER = SPELLINGS[0]
CSV = (
    "phone,name,role,language,state,district,block,gram_panchayat,topics\n98123 77701,Ramesh,mason,hi,,,,,\n"
)


def erase(contact: Contact) -> Erasure:
    erasure = contact_erasure.erase_now(contact, Erasure.BY_COMMAND)
    assert erasure.status == Erasure.DONE, erasure.reason
    return erasure


def suppression_sources(contact: Contact) -> list[tuple[str, str]]:
    events = db.session.scalars(select(SuppressionEvent).filter_by(contact_id=contact.id))
    return [(event.action, event.source) for event in events]


def test_an_opted_out_number_erased_and_imported_again_stays_opted_out(app):
    contact = make_contact(phone=NUMBER, name="Ramesh")
    people.opt_out(contact, SuppressionEvent.SMS)
    db.session.commit()
    erasure = erase(contact)
    assert "opt-out kept as a keyed fingerprint of the number (the number is not kept)" in erasure.lines
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is None
    dump = database_dump()
    assert not any(spelling in dump for spelling in SPELLINGS)  # a fingerprint, not the number
    report = contact_import.import_file(io.StringIO(CSV))  # an officer's old list brings the number back
    assert report.errors == [] and report.created == 1
    back = people.find_contact(NUMBER)
    assert back.opted_out_at is not None and not people.may_contact(back.id)
    assert suppression_sources(back) == [(SuppressionEvent.OPT_OUT, SuppressionEvent.ERASED)]
    assert db.session.scalar(select(ErasedOptOut)) is None  # the contact holds the opt-out again


def test_a_number_erased_without_an_earlier_opt_out_comes_back_free(app):
    contact = make_contact(phone=NUMBER)
    erasure = erase(contact)  # the erasure itself stops calls at once, but is not an opt-out to keep
    assert not any("fingerprint" in line for line in erasure.lines)
    assert db.session.scalar(select(ErasedOptOut)) is None
    contact_import.import_file(io.StringIO(CSV))
    back = people.find_contact(NUMBER)
    assert back.opted_out_at is None and people.may_contact(back.id)


def test_a_caller_who_opted_out_and_was_erased_calls_again_and_is_still_opted_out(app, twilio_post):
    contact = make_contact(phone=NUMBER)
    people.opt_out(contact, SuppressionEvent.IVR)
    db.session.commit()
    erase(contact)
    Phone(twilio_post, caller=NUMBER).dial().hang_up()  # the line still answers them
    back = people.find_contact(NUMBER)
    assert back.created_by == Contact.SELF_REGISTERED
    assert back.opted_out_at is not None
    assert suppression_sources(back) == [(SuppressionEvent.OPT_OUT, SuppressionEvent.ERASED)]


def test_a_fingerprint_needs_the_secret_key(app, monkeypatch):
    fingerprint = people.opt_out_fingerprint(NUMBER)
    assert len(fingerprint) == 64 and NUMBER[1:] not in fingerprint
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-" + "y" * 32)
    assert people.opt_out_fingerprint(NUMBER) != fingerprint  # not an unkeyed hash anyone can invert
