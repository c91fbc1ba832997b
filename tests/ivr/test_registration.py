"""Self-registration by keypad after the first lesson: role, state, district, played back before it is saved."""

import pytest
from sqlalchemy import delete, select

from core.db import db
from core.models import Block, Contact, District, GramPanchayat, State
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, make_lesson

CALLER = "+919812355501"


@pytest.fixture
def phone(twilio_post):
    make_lesson()
    return lambda caller=CALLER: Phone(twilio_post, caller=caller)


def asked(call: Phone, language: str = "2") -> Phone:
    """A first call: choose the language, start the only lesson, go back: the menu asks about work."""
    return call.dial().press(language).press("1").press("*")


def caller(number: str = CALLER) -> Contact:
    db.session.expire_all()
    return db.session.scalar(select(Contact).filter_by(phone=number))


def test_a_new_caller_hears_content_first_and_registers_after_it(phone):
    call = phone().dial().press("1")  # Hindi
    assert "चौपाल में आपका स्वागत है" in call.said and "सवाल पूछने के लिए 4 दबाएँ" in call.said
    assert "राजमिस्त्री" not in call.said
    call.press("1").press("*")  # the only lesson, then back
    assert "अगर आप राजमिस्त्री हैं तो 1 दबाएँ" in call.said
    call.press("2")  # motivator
    assert "आप किस राज्य में काम करते हैं?" in call.said and "बिहार: इसके लिए 1 दबाएँ" in call.said
    call.press("1")  # Bihar
    assert "गया: इसके लिए 1 दबाएँ" in call.said and "नालंदा: इसके लिए 2 दबाएँ" in call.said
    call.press("2")
    assert "आपने बताया: प्रेरक, ज़िला नालंदा, बिहार" in call.said
    call.press("1")
    assert "आपकी जानकारी सहेज ली गई है" in call.said and "सवाल पूछने के लिए 4 दबाएँ" in call.said
    saved = caller()
    assert (saved.role, saved.district.name, saved.state_id) == (
        "motivator",
        "Nalanda",
        saved.district.state_id,
    )


def test_district_lists_follow_their_keypad_position(phone):
    bihar = db.session.scalar(select(State).filter_by(name="Bihar"))
    for district in bihar.districts:
        district.position = {"Nalanda": 0, "Gaya": 1}[district.name]
    db.session.commit()
    call = asked(phone()).press("2").press("1")
    assert "Nalanda: press 1" in call.said and "Gaya: press 2" in call.said


def test_the_choice_can_be_changed_before_it_is_saved(phone):
    call = asked(phone()).press("1").press("4").press("1")
    assert "You told us: mason, Sitapur district, Uttar Pradesh" in call.said
    call.press("2")  # change it: back to the first question
    assert "If you are a mason, press 1" in call.said
    call.press("3").press("4").press("2").press("1")
    saved = caller()
    assert (saved.role, saved.district.name) == ("other", "Lucknow")


def test_star_goes_back_a_step_and_skips_from_the_first_question(phone):
    call = asked(phone()).press("1").press("4")
    assert "Which district" in call.said
    call.press("*")
    assert "Which state" in call.said
    call.press("*")
    assert "If you are a mason" in call.said
    call.press("*")
    assert "To ask a question, press 4" in call.said
    saved = caller()
    assert saved.district_id is None and saved.role == Contact.OTHER


def test_a_skipped_registration_is_asked_again_once_on_the_next_call(phone):
    call = asked(phone()).press("*")
    assert "To ask a question, press 4" in call.said
    call.press("1").press("*")
    assert "To ask a question, press 4" in call.said and "mason" not in call.said  # once per call
    again = phone().dial()
    assert "Welcome back" in again.said and "mason" not in again.said  # content comes first
    again.press("1").press("*")
    assert "If you are a mason, press 1" in again.said and "To skip this for now, press star" in again.said


def test_known_contacts_are_not_asked(phone):
    make_contact(phone="+919812355502", language_code=None, created_by=Contact.IMPORTED)
    call = phone("+919812355502").dial().press("2").press("1").press("*")
    assert "To ask a question, press 4" in call.said and "mason" not in call.said


def test_a_single_state_skips_the_state_question(phone):
    others = select(District.id).join(State).where(State.name != "Bihar")
    blocks = select(Block.id).where(Block.district_id.in_(others))
    db.session.execute(delete(GramPanchayat).where(GramPanchayat.block_id.in_(blocks)))
    db.session.execute(delete(Block).where(Block.id.in_(blocks)))
    db.session.execute(delete(District).where(District.id.in_(others)))
    db.session.commit()
    call = asked(phone()).press("1")
    assert "Which district do you work in?" in call.said and "Gaya: press 1" in call.said
    call.press("*")
    assert "If you are a mason" in call.said  # back to the role, never a loop through the single state


def test_wrong_keys_and_nine_still_work_during_registration(phone):
    call = asked(phone()).press("7")
    assert "Sorry, that is not one of the choices" in call.said and "If you are a mason" in call.said
    call.press("9")
    assert "To stop all calls and messages from us, press 1" in call.said
