import io

import pytest
from sqlalchemy import func, select

from core import contact_import, people
from core.db import db
from core.models import Contact, SuppressionEvent
from tests.factories import make_contact
from tests.helpers import csrf_token

GOOD = """phone,name,role,language,state,district,block,gram_panchayat,topics
98123 45678,Ramesh,mason,hi,Uttar Pradesh,Sitapur,Biswan,Akbarpur,twin-pit;handwashing
+91 98765 43210,Sunita,motivator,en,Bihar,Gaya,,,
"""


def count_contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("98123 45678", "+919812345678"),
        ("+91-98123-45678", "+919812345678"),
        ("09812345678", "+919812345678"),
    ],
)
def test_numbers_are_normalised_to_e164(raw, expected):
    assert people.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "not a number", "+91 00000 00000"])
def test_invalid_numbers_are_refused_with_a_reason(raw):
    with pytest.raises(people.InvalidPhoneError):
        people.normalise_phone(raw)


def test_csv_import_creates_contacts_with_places_and_topics(app):
    report = contact_import.import_file(io.StringIO(GOOD))
    assert report.errors == [] and report.created == 2
    ramesh = people.find_contact("9812345678")
    assert ramesh.district.name == "Sitapur" and ramesh.block.name == "Biswan"
    assert {t.slug for t in ramesh.topics} == {"twin-pit", "handwashing"}
    assert ramesh.created_by == Contact.IMPORTED


def test_dry_run_reports_and_writes_nothing(app):
    report = contact_import.import_file(io.StringIO(GOOD), dry_run=True)
    assert report.created == 2 and "would be imported" in report.lines()[0]
    assert count_contacts() == 0


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_row(app):
    bad = GOOD + "\n".join(
        [
            "12345,Short,mason,hi,,,,,",
            "98123 45678,Again,mason,hi,,,,,",
            "+919811111111,X,plumber,hi,,,,,",
            "+919822222222,Y,mason,xx,,,,,",
            "+919833333333,Z,mason,hi,Bihar,Sitapur,,,",
            "+919844444444,W,mason,hi,,,,,nonsense",
        ]
    )
    report = contact_import.import_file(io.StringIO(bad))
    assert count_contacts() == 0
    assert [line.split(":")[0] for line in report.errors] == [f"line {n}" for n in range(4, 10)]
    joined = "\n".join(report.errors)
    for reason in (
        "not a valid phone number",
        "duplicate of line 2",
        "role 'plumber'",
        "language 'xx'",
        "district 'Sitapur' is not known",
        "unknown topic(s): nonsense",
    ):
        assert reason in joined
    assert report.lines()[-1] == "6 problem(s) in 8 row(s): nothing was imported."


def test_import_updates_an_existing_contact(app):
    make_contact(phone="+919812345678", name="Old")
    report = contact_import.import_file(io.StringIO(GOOD))
    assert (report.created, report.updated) == (1, 1)
    assert people.find_contact("+919812345678").name == "Ramesh"


def test_missing_phone_column_is_reported(app):
    report = contact_import.import_file(io.StringIO("name,role\nA,mason\n"))
    assert report.errors == ["header: the file needs at least a 'phone' column"]


def test_opt_out_and_back_in_are_recorded(app):
    contact = make_contact()
    people.opt_out(contact, SuppressionEvent.IVR)
    people.opt_out(contact, SuppressionEvent.SMS)  # already out: no second event
    db.session.commit()
    assert not people.may_contact(contact.id)
    people.opt_in(contact, SuppressionEvent.SMS)
    db.session.commit()
    assert people.may_contact(contact.id)
    events = db.session.scalars(select(SuppressionEvent.action).order_by(SuppressionEvent.id)).all()
    assert events == ["opt_out", "opt_in"]


def test_export_round_trips_through_import(app):
    contact_import.import_file(io.StringIO(GOOD))
    exported = people.export_contacts()
    _empty = [db.session.delete(c) for c in db.session.scalars(select(Contact))]
    db.session.commit()
    report = contact_import.import_file(io.StringIO(exported))
    assert report.errors == [] and report.created == 2


def test_officer_sees_only_own_district_and_masked_numbers(client, login):
    mine = make_contact(phone="+919812345678", name="Mine", district="Sitapur")
    other = make_contact(phone="+919898989898", name="Other", district="Gaya")
    login("officer", districts=["Sitapur"])
    page = client.get("/people/").get_data(as_text=True)
    assert "Mine" in page and "Other" not in page
    assert "+9198123456" not in page and "+91••••••5678" in page
    assert client.get(f"/people/{other.id}").status_code == 404
    assert client.get(f"/people/{mine.id}").status_code == 200
    assert client.get("/people/export.csv").status_code == 403


def test_admin_import_page_is_all_or_nothing(client, login, work):
    login("admin")
    data = {
        "csrf_token": csrf_token(client, "/people/import"),
        "file": (io.BytesIO(b"phone\n12345\n+919812345678\n"), "c.csv"),
    }
    answer = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert answer.status_code == 303
    work("default")
    page = client.get(answer.headers["Location"])
    assert "line 2" in page.get_data(as_text=True) and count_contacts() == 0


def test_staff_opt_out_from_the_contact_page(client, login):
    contact = make_contact(district="Sitapur")
    login("officer", districts=["Sitapur"])
    form = {
        "csrf_token": csrf_token(client, f"/people/{contact.id}"),
        "name": "Asha",
        "role": "mason",
        "language": "hi",
        "opted_out": "on",
    }
    assert client.post(f"/people/{contact.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).opted_out_at is not None


def test_curator_cannot_open_people(client, login):
    login("curator")
    assert client.get("/people/").status_code == 403
