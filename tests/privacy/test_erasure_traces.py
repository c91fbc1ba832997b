"""Erasure reaches the storage's own history: the audit log's words, Redis's append-only file, SQLite's WAL."""

import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from audio.models import Recording
from core import contact_import, queue
from core.db import db
from core.models import Contact
from ivr import (
    contact_erasure,
    sms_spool,
)
from tests.factories import make_contact, make_staff
from tests.ivr_fixtures import LINE_NUMBER, sid
from transcription.models import AuditEntry, Review, Transcript

NUMBER = "+919812377702"
SPELLINGS = (NUMBER, NUMBER[1:], NUMBER[3:])
WORDS = "Kamla Devi of Akbarpur says her pit overflowed"  # what the caller said: personal text


def database_dump() -> str:
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [f"{table.name}: {tuple(row)}" for row in db.session.execute(table.select())]
    return "\n".join(rows)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_socket()}


def database_files() -> dict[str, bytes]:
    """The SQLite file with its write-ahead log and shared memory (nothing for PostgreSQL)."""
    if db.engine.dialect.name != "sqlite":
        return {}
    path = Path(db.engine.url.database)
    return {str(p): read_in_another_process(p) for p in path.parent.glob(path.name + "*")}


def read_in_another_process(path: Path) -> bytes:
    """A file's bytes read by a child process.

    Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    included (https://www.sqlite.org/howtocorrupt.html, 2.2): reading the database, its log or its
    shared memory here once let a later worker's exit delete the log under this process's open
    connections, and the next test's writes were lost and the file left malformed.
    """
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout


def redis_files(app) -> dict[str, bytes]:
    """The embedded Redis's folder (its append-only files) once any rewrite has finished."""
    connection = queue.redis_connection(app.config["REDIS_URL"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = connection.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            break
        time.sleep(0.1)
    url = app.config["REDIS_URL"]
    return files_under(Path(url.removeprefix("unix://")).parent) if url.startswith("unix://") else {}


def redis_values(app) -> bytes:
    connection = queue.redis_connection(app.config["REDIS_URL"])
    values = []
    for key in connection.scan_iter(count=1000):
        kind = connection.type(key)
        values.append(key)
        if kind == b"string":
            values.append(connection.get(key) or b"")
        elif kind == b"list":
            values += connection.lrange(key, 0, -1)
        elif kind == b"hash":
            values.append(repr(connection.hgetall(key)).encode())
    return b"\n".join(values)


def a_caller_with_curated_words() -> Contact:
    """A caller whose story a curator edited and rejected with a note, and whose STOP waits in the spool."""
    contact = make_contact(phone=NUMBER, name="Kamla Devi")
    recording = Recording(recording_sid=sid("RE"), contact_id=contact.id, kind=Recording.STORY)
    db.session.add(recording)
    db.session.flush()
    transcript = Transcript(recording_id=recording.id, status=Transcript.READY, text=WORDS)
    review = Review(recording_id=recording.id, status=Review.REJECTED, reason=f"call back {NUMBER[3:]}")
    db.session.add_all([transcript, review])
    db.session.flush()
    curator = make_staff("curator")
    AuditEntry.record(curator, "edit_transcript", transcript, {"text": "raw"}, {"text": WORDS})
    AuditEntry.record(curator, "reject", review, {"status": "new"}, {"reason": f"call back {NUMBER[3:]}"})
    db.session.commit()
    spooled = {"MessageSid": sid("SM"), "From": NUMBER, "To": LINE_NUMBER, "Body": "रोकें"}
    with db.engine.connect():  # the spool needs no database: keep it as the webhook would
        sms_spool.keep(spooled)
    return contact


def test_the_erased_number_and_words_are_nowhere_not_even_in_storage_history(app, client, login, caplog):
    caplog.set_level(logging.DEBUG)
    contact = a_caller_with_curated_words()
    assert any(NUMBER.encode() in data for data in database_files().values()) or not database_files()
    admin = make_staff("admin")
    erasure = contact_erasure.erase_now(contact, "staff", admin.id)
    assert erasure.status == "done", erasure.reason
    report = erasure.report
    assert "2 curator audit entr(ies) about them kept without their words" in report
    assert "1 text message(s) waiting in the spool removed" in report
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry)).all()
    assert [e.action for e in entries] == ["edit_transcript", "reject"]  # the fact of the action stays
    places = {
        "database dump": database_dump().encode(),
        "redis": redis_values(app),
        "logs": caplog.text.encode(),
    }
    places |= database_files() | redis_files(app) | files_under(Path(app.instance_path))
    needles = [*SPELLINGS, WORDS, "Kamla"]
    found = [
        (where, needle) for where, data in places.items() for needle in needles if needle.encode() in data
    ]
    assert found == []
    login("admin")
    page = client.get("/review/audit").get_data(as_text=True)
    assert "removed at the person" in page and WORDS not in page


def test_erasure_removes_contact_uploads_and_reports_that_quote_the_number(app):
    contact = make_contact(phone="+919812340077", name="Kamla")
    quoting = contact_import.upload_path("withkamla")
    quoting.write_text("phone,name\n+919812340077,Kamla\n")
    other = contact_import.report_path("someoneelse")
    other.write_text('{"errors": ["line 2: +919800000099"]}')
    erasure = contact_erasure.erase_now(contact, "staff")
    assert "1 contact upload(s) or import report(s) quoting the number removed" in erasure.lines
    assert not quoting.exists() and other.exists()


def test_reading_the_database_files_leaves_this_process_s_sqlite_locks_alone(tmp_path):
    path = tmp_path / "line.db"
    ours = sqlite3.connect(path)
    ours.execute("PRAGMA journal_mode=WAL")
    ours.execute("PRAGMA wal_autocheckpoint=0")
    ours.execute("CREATE TABLE t (x)")
    ours.execute("INSERT INTO t VALUES (1)")
    ours.commit()
    for file in path.parent.glob("line.db*"):
        read_in_another_process(file)
    # Another process's last connection closes: were our locks gone, it would take itself for the
    # last user of the database and delete the log our connection still reads.
    closing = f"import sqlite3; c = sqlite3.connect({str(path)!r}); c.execute('SELECT * FROM t'); c.close()"
    subprocess.run([sys.executable, "-c", closing], check=True)
    assert path.with_name("line.db-wal").exists()
    ours.execute("INSERT INTO t VALUES (2)")
    ours.commit()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone() == (2,)
    ours.close()
