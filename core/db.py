"""SQLAlchemy and Alembic wiring: one metadata, migrations per package, SQLite tuned for a web app."""

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_PACKAGES = ("core", "audio", "ivr", "transcription", "campaigns", "api")
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


def init_app(app) -> None:
    """Bind the database to the app and load every package's models."""
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))
    db.init_app(app)
    load_models()


def load_models() -> None:
    """Import each package's models so the metadata is complete."""
    import importlib

    for package in MIGRATION_PACKAGES:
        if (ROOT / package / "models.py").exists():
            importlib.import_module(f"{package}.models")


def _engine_options(config) -> dict:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


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


def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    db.session.execute(text("SELECT 1"))
