"""The layout's rules, checked by reading the code: import direction and migrations."""

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import db, include_name

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "core": set(),
    "audio": {"core"},
    "transcription": {"core", "audio"},
    "campaigns": {"core", "audio"},
    "learning": {"core", "audio", "campaigns"},
    "ivr": {"core", "audio", "transcription", "campaigns", "learning"},
    "api": {
        "core",
        "audio",
        "transcription",
        "campaigns",
        "learning",
    },  # reads every domain package; nothing imports it
}


def imported_packages(path: Path) -> set[str]:
    """Top-level domain packages a module imports at module level (core may import inside functions)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_go_one_way(package):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        wrong = imported_packages(path) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_nothing_imports_ivr():
    for package in set(ALLOWED) - {"ivr"}:
        for path in (ROOT / package).rglob("*.py"):
            assert "ivr" not in imported_packages(path), path


def test_nothing_imports_api():
    for package in set(ALLOWED) - {"api"}:
        for path in (ROOT / package).rglob("*.py"):
            assert "api" not in imported_packages(path), path


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        options = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_no_create_all_outside_tests():
    for package in ALLOWED:
        for path in (ROOT / package).rglob("*.py"):
            assert "create_all(" not in path.read_text(), path
