"""SQLite's log is checkpointed by one connection at a time, never by SQLite's automatic checkpoints.

Automatic checkpoints by several processes that also write are what SQLite's WAL-reset bug (3.7.0 to
3.51.2) needs to lose committed writes; see core/wal_checkpoints.py.
"""

import os
import threading

import pytest
from sqlalchemy import select, text

from core import wal_checkpoints
from core.db import checkpoint, db
from core.models import Contact
from tests.factories import make_contact


@pytest.fixture
def sqlite_path():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write-ahead log only")
    return db.engine.url.database


@pytest.fixture
def short_log(monkeypatch, sqlite_path):
    """Any log counts as long; no back-off is left over from other tests."""
    monkeypatch.setattr(wal_checkpoints, "CHECKPOINT_BYTES", 0)
    monkeypatch.setattr(wal_checkpoints, "_next_try", {})
    monkeypatch.setattr(wal_checkpoints, "_failures", {})
    return sqlite_path


def log_size(path: str) -> int:
    return os.stat(f"{path}-wal").st_size


def write_and_return_connection() -> None:
    make_contact(name="Ramesh")
    db.session.commit()
    db.session.remove()  # the connection goes back to the pool: that is where the log is looked at


def test_no_connection_checkpoints_by_itself(sqlite_path):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0


def test_a_long_log_is_emptied_when_the_connection_goes_back(short_log):
    write_and_return_connection()
    assert log_size(short_log) == 0
    assert db.session.scalar(select(Contact.name).filter_by(name="Ramesh")) == "Ramesh"  # kept, not lost


def test_a_short_log_is_left_alone(sqlite_path):
    write_and_return_connection()
    assert 0 < log_size(sqlite_path) < wal_checkpoints.CHECKPOINT_BYTES


def test_only_the_holder_of_the_checkpoint_lock_checkpoints(short_log):
    taken, release = threading.Event(), threading.Event()

    def another_process_checkpointing():
        with wal_checkpoints.checkpoint_lock(short_log, wait_seconds=0) as held:
            assert held
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=another_process_checkpointing)
    holder.start()
    try:
        assert taken.wait(10)
        write_and_return_connection()
        assert log_size(short_log) > 0
    finally:
        release.set()
        holder.join()
    write_and_return_connection()
    assert log_size(short_log) == 0


def test_a_log_held_by_a_reader_is_tried_again_later_not_on_every_commit(short_log):
    reader = db.engine.raw_connection()
    try:
        make_contact(name="Sita")
        db.session.commit()
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contacts").fetchone()  # a snapshot inside the log
        write_and_return_connection()
        assert log_size(short_log) > 0
        assert wal_checkpoints._next_try[short_log] > 0  # backed off
        reader.execute("ROLLBACK")
        write_and_return_connection()
        assert log_size(short_log) > 0, "tried again at once"
    finally:
        reader.close()


def test_the_busy_wait_of_a_connection_is_kept_after_a_checkpoint(short_log):
    write_and_return_connection()
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_an_erasure_checkpoint_empties_the_log(sqlite_path):
    write_and_return_connection()
    assert checkpoint() == "SQLite write-ahead log emptied"
    assert log_size(sqlite_path) == 0
