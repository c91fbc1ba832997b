"""The build is reproducible: every dependency the project declares is pinned, with hashes, in the lock."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def declared_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    return {_normal(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def pinned() -> dict[str, str]:
    lock = (ROOT / "requirements.lock").read_text()
    return {_normal(name): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M)}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_declared_dependency_is_pinned_in_the_lock():
    missing = declared_names() - set(pinned())
    assert not missing, f"run scripts/lock: {sorted(missing)} are not in requirements.lock"


def test_every_pin_carries_hashes():
    lock = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 2)[2])
    assert entries and all("--hash=sha256:" in entry for entry in entries if "==" in entry)
