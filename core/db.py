"""SQLAlchemy and Alembic wiring: one metadata, migrations per package, SQLite tuned for a web app."""

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app, g, has_request_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from core import wal_checkpoints

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_PACKAGES = ("core", "audio", "ivr", "transcription", "campaigns", "learning", "api")
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def rows_changed(statement, connection=None) -> int:
    """Run an UPDATE or DELETE (on the session, or on `connection`) and say how many rows it changed."""
    result = (connection or db.session).execute(statement)
    assert isinstance(result, CursorResult)  # an UPDATE or DELETE always answers with a cursor result
    return result.rowcount


def init_app(app) -> None:
    """Bind the database to the app and load every package's models."""
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))
    db.init_app(app)
    load_models()


def load_models() -> None:
    """Import each package's models so the metadata is complete (the one place that names them all)."""
    # Imported for their tables only.
    import api.models  # noqa: F401
    import audio.models  # noqa: F401
    import campaigns.models  # noqa: F401
    import core.models  # noqa: F401
    import ivr.models  # noqa: F401
    import learning.models  # noqa: F401
    import transcription.models  # noqa: F401


def _engine_options(config) -> dict:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    # A database that hangs must not hang us: every session gives up on a lock or a statement in time
    # (webhooks tighten both per transaction, see bound_webhook_waits).
    limits = f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    return {
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 10,
        "pool_timeout": 5,
        "connect_args": {"connect_timeout": 3, "options": limits},
    }


# Twilio waits 15 s for a webhook's answer: a webhook's wait for a lock (SQLite's busy timeout,
# PostgreSQL's lock timeout) is WEBHOOK_DB_WAIT_MS, so the apology goes out long before that.
LOCK_TIMEOUT_MS = 10_000
STATEMENT_TIMEOUT_MS = 120_000
SQLITE_BUSY_MS = 15_000


def mark_webhook() -> None:
    """Say that this request answers the telephone network: its database waits are kept short."""
    g.chaupal_webhook = True


def in_webhook() -> bool:
    """True inside a request marked by mark_webhook."""
    return has_request_context() and g.get("chaupal_webhook", False)


@event.listens_for(db.session, "after_begin")
def bound_webhook_waits(_session, _transaction, connection) -> None:
    """Each transaction starts with the lock wait its caller can afford (short in webhooks)."""
    webhook = in_webhook()
    wait_ms = int(current_app.config["WEBHOOK_DB_WAIT_MS"]) if webhook else SQLITE_BUSY_MS
    if connection.dialect.name == "sqlite":
        # a statement per transaction otherwise: set only when this connection's wait changes
        if connection.info.get("chaupal_busy_ms") != wait_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
            connection.info["chaupal_busy_ms"] = wait_ms
    elif webhook and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {2 * wait_ms}")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, record) -> None:
    if _is_sqlite(dbapi_connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        # Deleted rows are overwritten, not left in free pages: an erased number must not stay in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        wal_checkpoints.prepare(dbapi_connection, record.info)


@event.listens_for(Pool, "checkin")
def _sqlite_checkpoint(dbapi_connection, record) -> None:
    if _is_sqlite(dbapi_connection):
        wal_checkpoints.after_use(dbapi_connection, record.info)


def _is_sqlite(dbapi_connection) -> bool:
    return dbapi_connection is not None and type(dbapi_connection).__module__.startswith("sqlite3")


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Migration comparison skips objects a package creates by raw SQL and lists in metadata.info."""
    unmanaged = tuple(db.metadata.info.get("unmanaged", ()))
    return not (unmanaged and type_ in ("table", "index") and (name or "").startswith(unmanaged))


def alembic_config(app) -> AlembicConfig:
    """An Alembic config whose version folders are each package's migrations."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "core" / "migrations"))
    locations = [ROOT / p / "migrations" / "versions" for p in MIGRATION_PACKAGES]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations if p.is_dir()))
    config.set_main_option("path_separator", "space")
    config.attributes["flask_app"] = app
    return config


def upgrade(app) -> None:
    """Apply every pending migration of every package."""
    with app.app_context():
        command.upgrade(alembic_config(app), "heads")


def new_revision(app, package: str, message: str) -> str:
    """Autogenerate the next migration on a package's own branch; returns its path."""
    from alembic.script import ScriptDirectory

    config = alembic_config(app)
    versions = ROOT / package / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    config.set_main_option("version_locations", f"{config.get_main_option('version_locations')} {versions}")
    script = ScriptDirectory.from_config(config)
    has_branch = package in {label for rev in script.walk_revisions() for label in rev.branch_labels}
    number = sum(1 for _ in versions.glob(f"{package}_*.py")) + 1
    revision = command.revision(
        config,
        message=message,
        autogenerate=True,
        rev_id=f"{package}_{number:04d}",
        head=f"{package}@head" if has_branch else "base",
        branch_label=None if has_branch else package,
        depends_on=None if has_branch or package == "core" else "core@head",
        version_path=str(versions),
    )
    return revision.path


def checkpoint() -> str:
    """Fold SQLite's write-ahead log into the database file and empty it (erased rows must not linger there)."""
    if db.engine.dialect.name != "sqlite":
        return "no write-ahead log file to empty (not SQLite)"
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        path = connection.info.get(wal_checkpoints.PATH_KEY)
        if path is None:
            return "no write-ahead log file to empty (an in-memory database)"
        with wal_checkpoints.checkpoint_lock(path, wait_seconds=SQLITE_BUSY_MS / 1000) as held:
            emptied = held and wal_checkpoints.truncate(raw, SQLITE_BUSY_MS)
    return "SQLite write-ahead log emptied" if emptied else "SQLite write-ahead log busy: emptied later"


def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    db.session.execute(text("SELECT 1"))
