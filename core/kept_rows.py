"""Per-process copies of rows every call step reads and staff rarely change (prompt audio and words, languages).

A call step used to read them from the database at every webhook, a third of its statements. A copy is
kept for KEEP_SECONDS per app and process, and dropped at once when this process writes one of its
tables (any INSERT, UPDATE or DELETE through the engine, ORM or Core, at the statement and again at
commit or rollback), so a change made here is heard on the next step; another process's change is
heard within KEEP_SECONDS. Copies must be plain values, never ORM rows (they outlive the session).
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import UpdateBase

KEEP_SECONDS = 5.0
_lock = threading.Lock()


def kept(name: str, tables: tuple[str, ...], load: Callable[[], Any]) -> Any:
    """The copy named `name` (built from `tables` by load()), loaded again when stale or written here."""
    copies = _copies()
    found = copies.get(name)
    if found is not None and found[0] > time.monotonic():
        return found[2]
    value = load()
    with _lock:
        copies[name] = (time.monotonic() + KEEP_SECONDS, frozenset(tables), value)
    return value


def forget(tables) -> None:
    """Drop the copies built from any of these tables (in every app of this process)."""
    touched = set(tables)
    with _lock:
        for copies in _all_copies:
            for name in [name for name, (_, read, _) in copies.items() if read & touched]:
                copies.pop(name, None)


_all_copies: list[dict] = []


def _copies() -> dict:
    copies = current_app.extensions.get("chaupal.kept_rows")
    if copies is None:
        with _lock:
            copies = current_app.extensions.setdefault("chaupal.kept_rows", {})
            _all_copies.append(copies)
    return copies


@event.listens_for(Engine, "after_execute")
def _written(conn, clauseelement, multiparams, params, execution_options, result) -> None:
    name = getattr(getattr(clauseelement, "table", None), "name", None)
    if isinstance(clauseelement, UpdateBase) and name:
        forget((name,))
        conn.info.setdefault("chaupal.kept_rows.written", set()).add(name)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _ended(conn) -> None:
    # Dropped again when the write is committed or undone: a copy read in between saw it uncommitted.
    written = conn.info.pop("chaupal.kept_rows.written", None)
    if written:
        forget(written)
