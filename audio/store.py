"""The only code that knows where audio bytes live: local MEDIA_DIR by default, or an S3-compatible bucket.

MEDIA_STORE=local|s3 chooses the backend; every function below works the same on both.
"""

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app


class StoreError(RuntimeError):
    """A key is malformed or its bytes cannot be read or written."""


def check_key(key: str) -> str:
    """The key itself if it is a safe relative path; StoreError otherwise."""
    if not key or key.startswith("/") or ".." in key.split("/") or "\\" in key or "\x00" in key:
        raise StoreError(f"invalid media key: {key!r}")
    return key


SCRATCH_PREFIX = "chaupal-scratch-"
PARTIAL_PREFIX = ".tmp-"  # a file being written, renamed into place when complete


def _owner() -> str:
    """Names temporary files and folders after the process (and machine) making them."""
    return f"{os.getpid()}-{socket.gethostname()}-"


def _left_by_dead_process(path: Path, prefix: str) -> bool:
    pid = path.name.removeprefix(prefix).split("-", 1)[0]
    return pid.isdigit() and not _process_exists(int(pid))


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder named after this process, so one left by a killed process can be found."""
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX + _owner()) as folder:
        yield Path(folder)


def remove_orphaned_scratch() -> list[Path]:
    """Delete scratch folders that processes of this machine left when they were killed mid-job."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-{socket.gethostname()}-*"):
        if _left_by_dead_process(folder, SCRATCH_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def remove_orphaned_writes(prefix: str) -> list[str]:
    """Delete half-written files under a key prefix that killed processes of this machine left (local store)."""
    store = backend()
    if not isinstance(store, LocalStore) or not store.path(prefix).is_dir():
        return []
    removed = []
    for partial in store.path(prefix).glob(f"{PARTIAL_PREFIX}*-{socket.gethostname()}-*"):
        if _left_by_dead_process(partial, PARTIAL_PREFIX):
            partial.unlink(missing_ok=True)
            removed.append(str(partial.relative_to(store.root)))
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """True for a killed process its new parent has not reaped yet (Linux; False elsewhere)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class LocalStore:
    """Files under a directory; writes go to a temp file renamed into place."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=target.parent, delete=False, prefix=PARTIAL_PREFIX + _owner()
        ) as temp:
            temp.write(data)
        os.replace(temp.name, target)

    def write_file(self, key: str, source: Path) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.NamedTemporaryFile(
                dir=target.parent, delete=False, prefix=PARTIAL_PREFIX + _owner()
            ) as temp,
            open(source, "rb") as data,
        ):
            shutil.copyfileobj(data, temp, 1 << 20)
        os.replace(temp.name, target)

    def read_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as error:
            raise StoreError(f"no media stored under {key!r}") from error

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.exists():
            raise StoreError(f"no media stored under {key!r}")
        yield path

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return []
        files = (p for p in base.rglob("*") if p.is_file() and not p.name.startswith(PARTIAL_PREFIX))
        return sorted(str(p.relative_to(self.root)) for p in files)


class S3Store:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph...); a PUT replaces an object atomically."""

    def __init__(self, config: dict):
        import boto3
        from botocore.config import Config

        if not config.get("S3_BUCKET"):
            raise StoreError("MEDIA_STORE=s3 needs S3_BUCKET")
        self.bucket = config["S3_BUCKET"]
        self.prefix = config.get("S3_PREFIX", "").strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{check_key(key)}" if self.prefix else check_key(key)

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def write_file(self, key: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self._name(key))

    def read_bytes(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except ClientError as error:
            raise StoreError(f"no media stored under {key!r} ({_code(error)})") from error

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        from botocore.exceptions import ClientError

        with scratch_dir() as folder:
            path = folder / Path(key).name
            try:
                self.client.download_file(self.bucket, self._name(key), str(path))
            except ClientError as error:
                raise StoreError(f"no media stored under {key!r} ({_code(error)})") from error
            yield path

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _code(error) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StoreError(f"cannot check {key!r}: {_code(error)}") from error
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str = "") -> list[str]:
        names, strip = [], len(self.prefix) + 1 if self.prefix else 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._name(prefix) if prefix else self.prefix
        )
        for page in pages:
            names += [item["Key"][strip:] for item in page.get("Contents", [])]
        return sorted(names)


def _code(error) -> str:
    return str(error.response.get("Error", {}).get("Code", "error"))


def backend() -> LocalStore | S3Store:
    """The configured backend, created once per application."""
    app = current_app._get_current_object()
    store = app.extensions.get("chaupal.store")
    if store is None:
        kind = app.config.get("MEDIA_STORE", "local") or "local"
        if kind not in ("local", "s3"):
            raise StoreError(f"MEDIA_STORE must be local or s3, not {kind!r}")
        store = S3Store(app.config) if kind == "s3" else LocalStore(Path(app.config["MEDIA_DIR"]))
        app.extensions["chaupal.store"] = store
    return store


def write_bytes(key: str, data: bytes) -> None:
    """Store bytes under key atomically (temp file + rename, or one PUT), replacing what was there."""
    backend().write_bytes(key, data)


def write_file(key: str, source: Path) -> None:
    """Store a local file's bytes under key atomically."""
    backend().write_file(key, Path(source))


def read_bytes(key: str) -> bytes:
    """The bytes stored under key."""
    return backend().read_bytes(key)


@contextmanager
def local_file(key: str) -> Iterator[Path]:
    """A local path holding the key's bytes for the duration of the block."""
    with backend().local_file(key) as path:
        yield path


def local_path(key: str) -> Path | None:
    """The file itself when the store is a local directory (so it can be served directly), else None."""
    store = backend()
    return store.path(key) if isinstance(store, LocalStore) else None


def exists(key: str) -> bool:
    """True if something is stored under key."""
    return backend().exists(key)


def delete(key: str) -> None:
    """Remove the key's bytes; nothing happens if they are already gone."""
    backend().delete(key)


def keys(prefix: str = "") -> list[str]:
    """Every stored key under a prefix, sorted."""
    return backend().keys(prefix)
