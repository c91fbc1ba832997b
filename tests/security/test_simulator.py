"""The phone simulator acts only as the staff member's own test phones, and says who pressed the keys.

Attack reproduced (issue 17, item 1): a curator, who may not open /people/, called the line from a
real contact's number in /simulator/ and pressed 9-2-1 to erase them or 9-1 to opt them back in.
"""

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Contact, SandboxMessage, SuppressionEvent
from ivr.models import Erasure
from tests.factories import make_contact
from tests.helpers import csrf_token


@pytest.fixture
def softphone(client, login):
    """softphone(role, **fields) -> (staff user, post(path, body)) logged in to the simulator."""

    def start(role: str = "curator", **fields):
        user = login(role, **fields)
        headers = {"X-CSRFToken": csrf_token(client, "/simulator/")}
        return user, lambda path, body=None: client.post(path, json=body or {}, headers=headers)

    return start


def call_and_press(post, caller: str, keys: list[str]) -> list[dict]:
    """Call the line as `caller` and press each key in turn; the turns (an error stops early)."""
    started = post("/simulator/api/call", {"caller": caller})
    turns = [started.get_json() | {"status": started.status_code}]
    for key in keys:
        if turns[-1]["status"] != 200:
            break
        pressed = post(f"/simulator/api/{turns[-1]['call_id']}/press", {"digits": key})
        turns.append(pressed.get_json() | {"status": pressed.status_code})
    return turns


def test_a_curator_cannot_erase_a_real_contact_from_the_simulator(softphone):
    contact = make_contact(name="Sunita", language_code="en")
    _, post = softphone("curator")
    turns = call_and_press(post, contact.phone, ["9", "2", "1"])
    db.session.expire_all()
    assert db.session.scalars(select(Erasure)).all() == []
    assert db.session.get(Contact, contact.id).opted_out_at is None
    assert turns[0]["status"] == 403 and "test numbers" in turns[0]["error"]


def test_a_curator_cannot_opt_a_stopped_contact_back_in(softphone):
    contact = make_contact(language_code="en")
    contact.opted_out_at = contact.created_at
    db.session.commit()
    _, post = softphone("curator")
    turns = call_and_press(post, contact.phone, ["9", "1"])
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).opted_out_at is not None
    assert turns[0]["status"] == 403


def test_an_officer_cannot_play_a_contact_whose_number_the_library_rejects(softphone):
    """The district check found only contacts with valid numbers: +9100000 slipped through."""
    contact = make_contact(phone="+91000001234", district="Lucknow", language_code="en")
    _, post = softphone("officer", districts=("Sitapur",))
    turns = call_and_press(post, contact.phone, ["9", "2", "1"])
    db.session.expire_all()
    assert db.session.scalars(select(Erasure)).all() == []
    assert turns[0]["status"] == 403


def test_the_line_calling_a_real_contact_cannot_be_answered_in_the_simulator(app, softphone):
    contact = make_contact()
    call = SandboxMessage(sid="CA" + "6" * 32, kind=SandboxMessage.CALL, to=contact.phone, url="/ivr/voice")
    db.session.add(call)
    db.session.commit()
    _, post = softphone("admin")
    assert post(f"/simulator/api/answer/{call.id}").status_code == 404
    assert post("/simulator/api/call", {"caller": "+999" + "0" * 8}).status_code == 403  # nobody's slot


def test_own_test_numbers_work_and_every_change_names_the_staff_member(softphone):
    from ivr import simulated_numbers

    user, post = softphone("curator")
    first, second = simulated_numbers.numbers_of(user.id)[:2]
    turns = call_and_press(post, first, ["2", "*", "9", "1"])  # English, skip the questions, stop, stop
    assert [t["status"] for t in turns] == [200] * 5
    stopped = db.session.scalar(select(Contact).filter_by(phone=first))
    [event] = db.session.scalars(select(SuppressionEvent).filter_by(contact_id=stopped.id)).all()
    assert (event.action, event.source, event.staff_id) == ("opt_out", "simulator", user.id)

    turns = call_and_press(post, second, ["2", "*", "9", "2", "1"])  # stop, delete everything, confirm
    assert turns[-1]["status"] == 200 and turns[-1]["waiting"] == "ended"
    [erasure] = db.session.scalars(select(Erasure)).all()
    assert (erasure.source, erasure.staff_id) == (Erasure.BY_SIMULATOR, user.id)


def test_another_staff_members_test_number_is_refused(softphone):
    from ivr import simulated_numbers

    _, post = softphone("curator")
    someone_else = simulated_numbers.numbers_of(987654)[0]
    assert post("/simulator/api/call", {"caller": someone_else}).status_code == 403


def test_test_numbers_are_outside_every_real_numbering_plan():
    import phonenumbers

    from ivr import simulated_numbers

    for number in simulated_numbers.numbers_of(42):
        assert simulated_numbers.owner_of(number) == 42
        with pytest.raises(phonenumbers.NumberParseException):  # country code 999 does not exist
            phonenumbers.parse(number)
    assert simulated_numbers.owner_of("+919800000001") is None
