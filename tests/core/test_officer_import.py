"""District officers import contacts, only into their own districts."""

import io

from sqlalchemy import func, select

from core import contact_import
from core.db import db
from core.models import Contact
from tests.factories import make_contact
from tests.helpers import csrf_token


def upload(client, text: str, work) -> str:
    data = {"csrf_token": csrf_token(client, "/people/import"), "file": (io.BytesIO(text.encode()), "c.csv")}
    answer = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert answer.status_code == 303
    work("default")
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def contacts() -> int:
    return db.session.scalar(select(func.count(Contact.id)))


def test_an_officer_imports_into_their_own_district(client, login, work):
    login("officer", districts=["Sitapur"])
    page = upload(client, "phone,name,state,district\n9812000001,Asha,Uttar Pradesh,Sitapur\n", work)
    assert "1 new and 0 existing contact(s) were imported" in page
    assert db.session.scalar(select(Contact).filter_by(phone="+919812000001")).district.name == "Sitapur"


def test_rows_outside_the_officers_districts_are_refused_and_nothing_is_written(client, login, work):
    make_contact(phone="+919812000003", district="Lucknow")
    login("officer", districts=["Sitapur"])
    csv_text = (
        "phone,name,state,district\n9812000001,Asha,Uttar Pradesh,Sitapur\n"
        "9812000002,Ravi,Uttar Pradesh,Lucknow\n9812000004,Meena,,\n"
        "9812000003,Moved,Uttar Pradesh,Sitapur\n"
    )
    page = upload(client, csv_text, work)
    assert "line 3: the district must be one of yours" in page
    assert "line 4: the district must be one of yours" in page
    assert "line 5: this number belongs to a contact outside your districts" in page
    assert contacts() == 1  # only the Lucknow contact that was already there


def test_an_officer_reads_only_their_own_import_reports(client, login):
    contact_import.report_path("someoneelses").write_text('{"dry_run": true, "errors": ["line 2: Kamla"]}')
    login("officer", districts=["Sitapur"])
    assert client.get("/people/import/someoneelses").status_code == 404
