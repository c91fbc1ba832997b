"""SQLite's write-ahead log folded back into the database by one connection at a time, writers held off.

SQLite 3.7.0 to 3.51.2 (Debian 12 ships 3.40.1) has a data race, the WAL-reset bug
(https://www.sqlite.org/wal.html#walresetbug): a checkpoint that starts while another connection
restarts the log after a complete checkpoint can leave a wrong field in the log's index, and a later
checkpoint then skips committed pages. Committed writes vanish and the file ends up "malformed". It
takes several connections checkpointing while others write, which is what SQLite's automatic
checkpoints do when the web server and the workers of `chaupal up` all commit at once.

So automatic checkpoints are off on every connection. A connection going back to the pool looks at
the log's size; past CHECKPOINT_BYTES, and only if it takes the checkpoint lock (a file lock beside
the database, shared by every process), it runs a TRUNCATE checkpoint. That mode holds SQLite's write
lock throughout and empties the log itself, so no writer restarts the log under a checkpoint.
"""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

CHECKPOINT_BYTES = 4 * 1024 * 1024  # SQLite's own automatic threshold: 1,000 pages of 4 KiB
# How long a checkpoint may keep writers waiting (for the write lock, then for readers to move on);
# when it runs out the checkpoint copies what it can and the log is emptied on a later try.
WRITER_WAIT_MS = 50
RETRY_SECONDS = (1, 2, 4, 8, 16, 30)  # after a checkpoint that could not empty the log
PATH_KEY = "chaupal_database_path"

_next_try: dict[str, float] = {}
_failures: dict[str, int] = {}


def prepare(dbapi_connection, record_info: dict) -> None:
    """Turn SQLite's automatic checkpoints off and remember which file this connection writes."""
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
    path = dbapi_connection.execute("PRAGMA database_list").fetchone()[2]
    if path:  # an in-memory database has no file and no log
        record_info[PATH_KEY] = path


def after_use(dbapi_connection, record_info: dict) -> None:
    """Checkpoint on the way back to the pool when the log has grown long and no other process is at it."""
    path = record_info.get(PATH_KEY)
    if dbapi_connection is None or not path or not _log_is_long(path):
        return
    if time.monotonic() < _next_try.get(path, 0.0):
        return
    with checkpoint_lock(path, wait_seconds=0) as held:
        if not held:
            return  # another connection is checkpointing; the log is looked at again next time
        emptied = truncate(dbapi_connection, WRITER_WAIT_MS)
    _plan_next_try(path, emptied)


def truncate(dbapi_connection, wait_ms: int) -> bool:
    """Run a TRUNCATE checkpoint on an idle connection (hold checkpoint_lock); True if the log was emptied."""
    usual_wait_ms = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0]
    dbapi_connection.execute(f"PRAGMA busy_timeout={wait_ms}")
    try:
        busy, _log_frames, _copied = dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={usual_wait_ms}")
    return not busy


@contextlib.contextmanager
def checkpoint_lock(path: str, wait_seconds: float) -> Iterator[bool]:
    """Hold the database's checkpoint lock (yields False if another holder kept it for wait_seconds)."""
    with open(f"{path}-checkpoint-lock", "a") as lock_file:
        held = _take(lock_file.fileno(), time.monotonic() + wait_seconds)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _take(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)


def _log_is_long(path: str) -> bool:
    try:
        return os.stat(f"{path}-wal").st_size > CHECKPOINT_BYTES
    except FileNotFoundError:
        return False


def _plan_next_try(path: str, emptied: bool) -> None:
    # Readers still on the log keep it from being emptied; trying every time would hold writers up often.
    failures = 0 if emptied else _failures.get(path, 0) + 1
    _failures[path] = failures
    wait = 0 if emptied else RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]
    _next_try[path] = time.monotonic() + wait
