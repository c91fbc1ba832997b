"""Full numbers are shown only on an explicit request, to staff who may see the contact, and recorded."""

from sqlalchemy import func, select

from core import people
from core.db import db
from core.models import NumberReveal
from tests.factories import make_contact
from tests.helpers import csrf_token

NUMBER = "+919812345678"


def _reveal(client, contact_id: int):
    token = csrf_token(client, f"/people/{contact_id}")
    return client.post(f"/people/{contact_id}/reveal", data={"csrf_token": token})


def _reveals() -> list[tuple]:
    return list(db.session.execute(select(NumberReveal.contact_id, NumberReveal.staff_id)))


def test_the_person_page_masks_the_number_for_every_role(client, login):
    contact = make_contact(phone=NUMBER, district="Sitapur")
    login("admin")
    page = client.get(f"/people/{contact.id}").get_data(as_text=True)
    assert NUMBER not in page and "+91••••••5678" in page and "Show the full number" in page
    assert _reveals() == []


def test_an_officer_reveals_their_districts_number_and_it_is_recorded(client, login):
    contact = make_contact(phone=NUMBER, district="Sitapur")
    officer = login("officer", districts=["Sitapur"])
    answer = _reveal(client, contact.id)
    assert answer.status_code == 200 and f'href="tel:{NUMBER}"' in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert _reveals() == [(contact.id, officer.id)]
    later = client.get(f"/people/{contact.id}").get_data(as_text=True)
    assert NUMBER not in later and officer.username in later.split("Who was shown the full number")[1]


def test_another_districts_number_is_not_revealed_nor_recorded(client, login):
    contact = make_contact(phone=NUMBER, district="Gaya")
    login("officer", districts=["Sitapur"])
    token = csrf_token(client, "/people/")
    answer = client.post(f"/people/{contact.id}/reveal", data={"csrf_token": token})
    assert answer.status_code == 404 and NUMBER not in answer.get_data(as_text=True)
    assert _reveals() == []


def test_a_reveal_needs_the_form_token_and_a_role_with_people(client, login):
    contact = make_contact(phone=NUMBER, district="Sitapur")
    login("officer", districts=["Sitapur"])
    assert client.post(f"/people/{contact.id}/reveal").status_code == 400
    login("curator")
    token = csrf_token(client, "/review/")
    assert client.post(f"/people/{contact.id}/reveal", data={"csrf_token": token}).status_code == 403
    assert _reveals() == []


def test_erasure_keeps_the_fact_of_a_reveal_without_the_person(client, login):
    contact = make_contact(phone=NUMBER, district="Sitapur")
    admin = login("admin")
    _reveal(client, contact.id)
    report = people.delete_contact(contact.id)
    db.session.commit()
    assert _reveals() == [(None, admin.id)]
    assert any("shown the number" in line for line in report)
    assert db.session.scalar(select(func.count()).select_from(NumberReveal)) == 1
