"""The admins' system page: what this instance runs on, its queues and workers, and its speech models.

Technical names (model folders, database kinds, queue names) belong here and nowhere else in the
workspace: curators and officers see languages and plain words, admins come here to run the system.
"""

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template
from redis.exceptions import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry
from sqlalchemy.exc import SQLAlchemyError

import core
from core import db, queue
from core.auth import role_required

bp = Blueprint("system", __name__, url_prefix="/admin/system")


@dataclass(frozen=True)
class QueueState:
    name: str
    waiting: int
    failed: int
    workers: int


@bp.get("/")
@role_required("admin")
def index():
    config = current_app.config
    return render_template(
        "core/system.html",
        version=core.__version__,
        database=_database(config),
        queues=_queues(),
        speech_models=_speech_models(config),
        telephone_sandbox=bool(config.get("TWILIO_SANDBOX")),
        config=config,
    )


def _database(config) -> dict:
    """The database's kind and whether it answers (never its URL: it may hold a password)."""
    kind = "PostgreSQL" if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "SQLite"
    try:
        db.ping()
        answering = True
    except SQLAlchemyError:
        db.db.session.rollback()
        answering = False
    return {"kind": kind, "answering": answering}


def _queues() -> list[QueueState] | None:
    """Each job queue's waiting and failed jobs and listening workers; None when Redis is down."""
    try:
        connection = queue.redis_connection()
        states = []
        for name in queue.QUEUES:
            rq_queue = queue.get_queue(name, connection)
            failed = FailedJobRegistry(queue=rq_queue).count
            workers = Worker.count(connection=connection, queue=rq_queue)
            states.append(QueueState(name, rq_queue.count, failed, workers))
        return states
    except RedisError:
        return None


def _speech_models(config) -> dict:
    """Per language, the speech model that hears it (from the transcription package, when installed)."""
    report = current_app.extensions.get("chaupal.speech_models")
    return report(config) if report else {}
