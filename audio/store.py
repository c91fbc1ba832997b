"""The only code that knows where audio bytes live (local MEDIA_DIR by default)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app


class StoreError(RuntimeError):
    """A key is malformed or its bytes cannot be read or written."""


def _root() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _path(key: str) -> Path:
    if not key or key.startswith("/") or ".." in key.split("/"):
        raise StoreError(f"invalid media key: {key!r}")
    return _root() / key


def write_bytes(key: str, data: bytes) -> None:
    """Store bytes under key atomically (temp file + rename), replacing what was there."""
    target = _path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, prefix=".tmp-") as temp:
        temp.write(data)
    os.replace(temp.name, target)


def write_file(key: str, source: Path) -> None:
    """Store a local file's bytes under key atomically."""
    write_bytes(key, Path(source).read_bytes())


def read_bytes(key: str) -> bytes:
    """The bytes stored under key."""
    try:
        return _path(key).read_bytes()
    except FileNotFoundError as error:
        raise StoreError(f"no media stored under {key!r}") from error


@contextmanager
def local_file(key: str) -> Iterator[Path]:
    """A local path holding the key's bytes for the duration of the block."""
    path = _path(key)
    if not path.exists():
        raise StoreError(f"no media stored under {key!r}")
    yield path


def exists(key: str) -> bool:
    """True if something is stored under key."""
    return _path(key).exists()


def delete(key: str) -> None:
    """Remove the key's bytes; nothing happens if they are already gone."""
    _path(key).unlink(missing_ok=True)


def keys(prefix: str = "") -> list[str]:
    """Every stored key under a prefix, sorted."""
    root = _root()
    base = root / prefix if prefix else root
    if not base.exists():
        return []
    return sorted(
        str(p.relative_to(root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
    )
