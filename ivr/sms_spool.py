"""Text messages kept aside when the database cannot take them, applied once it can: no STOP is lost.

The webhook spools the message (Redis list, or an append-only file in the instance folder when Redis
is down too) and answers at once; `ivr.jobs.apply_spooled_sms` replays each through the ordinary path,
which acts once per MessageSid, so a message spooled and also retried by Twilio counts once.
"""

import json
import logging
import os
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, IntegrityError

from core import queue
from core.db import db, utcnow

log = logging.getLogger(__name__)

SPOOL_KEY = "chaupal:sms-spool"
FIELDS = ("MessageSid", "From", "To", "Body")


def spool_file() -> Path:
    """The append-only spool used when Redis is unreachable as well."""
    return Path(current_app.instance_path) / "sms-spool.jsonl"


def keep(form) -> str:
    """Keep an incoming message for later; returns where it went ('redis' or 'file')."""
    entry = json.dumps({**{name: form.get(name, "") for name in FIELDS}, "kept_at": utcnow().isoformat()})
    try:
        queue.redis_connection().rpush(SPOOL_KEY, entry)
        return "redis"
    except (RedisError, OSError) as error:
        log.warning("SMS spooled to a file, Redis unreachable: %s", error)
    _append(spool_file(), entry)
    return "file"


def _append(path: Path, line: str) -> None:
    # O_APPEND writes of one short line do not interleave between web processes; fsync makes it durable.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def apply_all(receive) -> int:
    """Replay every spooled message through receive(entry) (file first, then Redis); returns how many."""
    applied = _apply_file(receive)
    try:
        applied += _apply_redis(receive)
    except RedisError as error:
        log.warning("spooled SMS in Redis not applied this time: %s", error)
    return applied


def _apply_file(receive) -> int:
    path = spool_file()
    taken = path.with_suffix(".applying")
    if path.exists() and not taken.exists():
        path.rename(taken)  # new messages start a fresh file meanwhile
    if not taken.exists():
        return 0
    lines = [line for line in taken.read_text().splitlines() if line.strip()]
    for line in lines:
        _replay(receive, line)  # a database error propagates: the file stays for the next run
    taken.unlink()
    return len(lines)


def _apply_redis(receive) -> int:
    connection = queue.redis_connection()
    applied = 0
    while (line := connection.lindex(SPOOL_KEY, 0)) is not None:
        _replay(receive, line)
        connection.lpop(SPOOL_KEY)
        applied += 1
    return applied


def _replay(receive, line) -> None:
    try:
        receive(json.loads(line))
    except (DataError, IntegrityError, ValueError) as error:
        db.session.rollback()  # a message the database can never take: drop it rather than block the rest
        log.error("spooled SMS dropped: %s", type(error).__name__)


def forget_number(phone: str) -> int:
    """Remove spooled messages from this number (erasure); returns how many went."""
    removed = 0
    needle = json.dumps(phone)  # as it appears inside each spooled line
    try:
        connection = queue.redis_connection()
        for line in connection.lrange(SPOOL_KEY, 0, -1):
            if needle in line.decode():
                removed += connection.lrem(SPOOL_KEY, 0, line)
    except RedisError as error:
        log.warning("spooled SMS in Redis not checked for an erased number: %s", error)
    for path in (spool_file(), spool_file().with_suffix(".applying")):
        removed += _drop_lines(path, needle)
    return removed


def _drop_lines(path: Path, needle: str) -> int:
    if not path.exists():
        return 0
    lines = path.read_text().splitlines()
    kept = [line for line in lines if needle not in line]
    if len(kept) != len(lines):
        path.write_text("".join(line + "\n" for line in kept))
    return len(lines) - len(kept)
