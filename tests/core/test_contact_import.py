"""Contact CSV import: a dry run writes nothing, a real one writes in batches, uploads run as jobs."""

import io
import os
import time

import pytest
from sqlalchemy import event, func, select

from core import contact_import
from core.db import db
from core.models import Contact
from tests.helpers import ACCOUNT_SID, csrf_token
from tests.ivr_fixtures import LINE_NUMBER, sid


def rows_csv(count: int, first: int = 9812000000) -> str:
    lines = [f"+91{first + n},Person {n},mason,hi,Uttar Pradesh,Sitapur,,,twin-pit" for n in range(count)]
    return "phone,name,role,language,state,district,block,gram_panchayat,topics\n" + "\n".join(lines) + "\n"


def count_contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


@pytest.fixture
def writes():
    """Every INSERT, UPDATE or DELETE statement sent to the database while the test runs."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_dry_run_sends_no_write_to_the_database(app, writes):
    report = contact_import.import_file(io.StringIO(rows_csv(300)), dry_run=True)
    assert (report.rows, report.created, report.problems) == (300, 300, 0)
    assert writes == [] and count_contacts() == 0


def test_a_bad_file_sends_no_write_either(app, writes):
    report = contact_import.import_file(io.StringIO(rows_csv(50) + "12345,Bad,,,,,,,\n"))
    assert report.problems == 1 and writes == [] and count_contacts() == 0


def test_an_sms_stop_goes_through_while_a_big_import_is_being_written(app, twilio_post, monkeypatch):
    """The import commits each batch: a webhook between two batches writes at once, mid-import."""
    monkeypatch.setattr(contact_import, "BATCH_ROWS", 20)
    seen = {}

    def text_stop_once(session):
        if seen:
            return
        seen["contacts"] = count_between_batches()
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid("SM"),
            "From": "+919800000001",
            "To": LINE_NUMBER,
            "Body": "STOP",
        }
        seen["answer"] = twilio_post("/sms/incoming", params)

    event.listen(db.session, "after_commit", text_stop_once)
    try:
        report = contact_import.import_file(io.StringIO(rows_csv(100)))
    finally:
        event.remove(db.session, "after_commit", text_stop_once)
    assert report.created == 100 and count_contacts() == 101
    assert 0 < seen["contacts"] < 100  # the webhook ran with the import half written
    assert seen["answer"].status_code == 200
    stopped = db.session.scalar(select(Contact).filter_by(phone="+919800000001"))
    assert stopped.opted_out_at is not None


def count_between_batches() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Contact))


def test_the_error_list_stays_small_for_a_file_of_bad_rows(app):
    bad = "phone\n" + "12345\n" * (contact_import.MAX_ERRORS_SHOWN + 50)
    report = contact_import.import_file(io.StringIO(bad))
    assert report.problems == contact_import.MAX_ERRORS_SHOWN + 50
    assert len(report.errors) == contact_import.MAX_ERRORS_SHOWN
    assert "50 more problem(s)" in report.lines()[-2]


def test_the_upload_page_only_saves_the_file_and_a_worker_imports_it(client, login, work):
    login("admin")
    data = {
        "csrf_token": csrf_token(client, "/people/import"),
        "file": (io.BytesIO(rows_csv(30).encode()), "c.csv"),
    }
    answer = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert answer.status_code == 303 and count_contacts() == 0
    assert "Import under way" in client.get(answer.headers["Location"]).get_data(as_text=True)
    work("default")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "30 new and 0 existing contact(s) were imported" in page and count_contacts() == 30
    assert list(contact_import.uploads_dir().glob("*.csv")) == []  # the numbers do not stay on disk


def test_a_dry_run_upload_reports_and_writes_nothing(client, login, work):
    login("admin")
    data = {
        "csrf_token": csrf_token(client, "/people/import"),
        "dry_run": "on",
        "file": (io.BytesIO(rows_csv(30).encode()), "c.csv"),
    }
    answer = client.post("/people/import", data=data, content_type="multipart/form-data")
    work("default")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "30 new and 0 existing contact(s) would be imported" in page and count_contacts() == 0


def test_reports_are_kept_a_day_only(app):
    old = contact_import.report_path("0ld0ld")
    old.write_text("{}")
    os.utime(old, (time.time() - contact_import.REPORT_KEPT_SECONDS - 60,) * 2)
    fresh = contact_import.report_path("fresh1")
    fresh.write_text("{}")
    assert contact_import.prune_reports() == 1
    assert not old.exists() and fresh.exists()


def test_batches_shrink_while_the_machine_is_slow_and_grow_back():
    size = contact_import.BatchSize()
    slow, quick = 3 * contact_import.TRANSACTION_SECONDS, contact_import.TRANSACTION_SECONDS / 4
    for _ in range(20):
        size.adjust(slow)
    assert size.rows == contact_import.MIN_BATCH_ROWS
    for _ in range(20):
        size.adjust(quick)
    assert size.rows == contact_import.BATCH_ROWS
