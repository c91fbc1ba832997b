"""Database faults for reliability tests: another client holding the write lock."""

import contextlib
import sqlite3
import threading

from core.db import db

HOLD_AT_MOST_SECONDS = 12  # longer than a webhook's wait, shorter than SQLite's old 15 s


@contextlib.contextmanager
def database_write_lock():
    """Another client holds the write lock until the block ends (or HOLD_AT_MOST_SECONDS pass).

    Yields a dict whose "released_early" says, afterwards, whether the lock ran out before the block ended.
    """
    done = threading.Event()
    state = {"held": threading.Event(), "released_early": False}
    thread = threading.Thread(target=_hold, args=(db.engine, done, state))
    thread.start()
    assert state["held"].wait(10)
    try:
        yield state
    finally:
        done.set()
        thread.join()


def _hold(engine, done: threading.Event, state: dict) -> None:
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(engine.url.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        connection = engine.raw_connection()
        connection.cursor().execute(
            "LOCK TABLE ivr_calls, contacts, ivr_sms_messages IN ACCESS EXCLUSIVE MODE"
        )
    state["held"].set()
    state["released_early"] = not done.wait(HOLD_AT_MOST_SECONDS)
    connection.rollback()
    connection.close()
