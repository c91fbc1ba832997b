"""Costly starting state built once, saved, and put back before each test that starts from it.

A module whose tests all start from the same expensive state (the living demo, the loaded starter
library) builds it once in a module-scoped fixture and saves it here: every table's rows, every Redis
key and the media folder. Each test then starts from `restore`, and still ends with conftest's clean-up,
so what one test changes never reaches the next.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Integer, text

from core import contact_import, kept_rows, queue
from core.db import db


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, list[dict]]  # table name -> its rows, parents before children
    redis: dict[bytes, tuple[int, bytes]]  # key -> (milliseconds left or 0, DUMP of the value)
    media: Path  # a copy of the media folder


def save(folder: Path) -> Snapshot:
    """Save the rows, Redis keys and media files of the app in context into folder."""
    redis = queue.redis_connection(current_app.config["REDIS_URL"])
    keys = {key: (max(redis.pttl(key), 0), redis.dump(key)) for key in redis.scan_iter()}
    media = folder / "media"
    if Path(current_app.config["MEDIA_DIR"]).exists():
        shutil.copytree(current_app.config["MEDIA_DIR"], media)
    else:
        media.mkdir()
    return Snapshot(table_rows(), keys, media)


def restore(snapshot: Snapshot) -> None:
    """Replace every row, Redis key and media file with the snapshot's."""
    clear()
    insert_rows(snapshot.rows)
    redis = queue.redis_connection(current_app.config["REDIS_URL"])
    for key, (milliseconds, value) in snapshot.redis.items():
        redis.restore(key, milliseconds, value, replace=True)
    shutil.copytree(snapshot.media, current_app.config["MEDIA_DIR"], dirs_exist_ok=True)
    db.session.expire_all()


def table_rows() -> dict[str, list[dict]]:
    """Every row of every table, parents before children."""
    with db.engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(table.select())]
            for table in db.metadata.sorted_tables
        }


def insert_rows(rows: dict[str, list[dict]]) -> None:
    """Insert saved rows into empty tables, ids and all."""
    tables = [table for table in db.metadata.sorted_tables if rows.get(table.name)]
    with db.engine.begin() as connection:
        _check_foreign_keys_at_commit(connection)  # some tables refer to each other: no order suits both
        for table in tables:
            connection.execute(table.insert(), rows[table.name])
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection, tables)


def clear() -> None:
    """Empty every table, Redis and the media and upload folders of the app in context."""
    db.session.remove()
    empty_tables()
    queue.redis_connection(current_app.config["REDIS_URL"]).flushdb()
    shutil.rmtree(current_app.config["MEDIA_DIR"], ignore_errors=True)
    shutil.rmtree(contact_import.uploads_dir(), ignore_errors=True)  # uploads and reports quote people


def empty_tables() -> None:
    """Delete every row, children before parents, in one round trip (every test ends with this)."""
    deletes = "".join(f'DELETE FROM "{table.name}";\n' for table in reversed(db.metadata.sorted_tables))
    raw = db.engine.raw_connection()
    try:
        if db.engine.dialect.name == "sqlite":  # its execute() takes one statement
            raw.driver_connection.executescript(f"BEGIN;\n{deletes}COMMIT;")
        else:
            raw.cursor().execute(deletes)
            raw.commit()
    finally:
        raw.close()
    kept_rows.forget(table.name for table in db.metadata.sorted_tables)  # it saw no statement go by


def _check_foreign_keys_at_commit(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("PRAGMA defer_foreign_keys = ON"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))  # no checks: saved rows


def _advance_sequences(connection, tables) -> None:
    """PostgreSQL does not move a sequence past ids inserted explicitly: the next insert would clash."""
    for table in tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f'COALESCE(MAX("{column.name}"), 0) + 1, false) FROM "{table.name}"'
                    )
                )
