"""The layout's rules, checked by reading the code: import direction and migrations."""

import ast
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import db, include_name

ROOT = Path(__file__).resolve().parent.parent
# Which domain packages each package may use: imports go down this table, never up or sideways.
ALLOWED = {
    "core": set(),
    "audio": {"core"},
    "transcription": {"core", "audio"},
    "campaigns": {"core", "audio"},
    "learning": {"core", "audio", "campaigns"},
    "ivr": {"core", "audio", "transcription", "campaigns", "learning"},
    "api": {"core", "audio", "transcription", "campaigns", "learning"},
}
PACKAGES = sorted(p for p in ALLOWED if (ROOT / p / "__init__.py").exists())
# The app factory, the CLI and the model loader wire the packages together: inside functions only.
CORE_WIRING = {"core/app.py", "core/cli.py", "core/db.py"}


def used_packages(path: Path, root: Path = ROOT) -> set[tuple[str, int, bool]]:
    """(package, line, inside a function) for every project package a module reaches.

    Counts every import statement wherever it stands (functions and TYPE_CHECKING blocks included),
    importlib.import_module/__import__ with a literal name, and dotted names of functions in another
    module ("pkg.module.function", as a job or mock target would name them).
    """
    tree = ast.parse(path.read_text())
    found = set()
    for node, in_function in _walk(tree, False):
        for name in _names_used(node, root):
            package = name.split(".")[0]
            if package in ALLOWED:
                found.add((package, node.lineno, in_function))
    return found


def _walk(node: ast.AST, in_function: bool):
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield child, inside
        yield from _walk(child, inside)


def _names_used(node: ast.AST, root: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.level == 0 else []
    if isinstance(node, ast.Call) and _is_dynamic_import(node.func):
        return [
            arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _names_a_module_member(node.value, root)
    ):
        return [node.value]
    return []


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__", "find_spec")


def _names_a_module_member(text: str, root: Path) -> bool:
    """'audio.jobs.fetch_recording' does (a function in audio/jobs.py); 'audio.library' (an endpoint) does not."""
    parts = text.split(".")
    if len(parts) < 3 or parts[0] not in ALLOWED or not all(part.isidentifier() for part in parts):
        return False
    return any((root / Path(*parts[:n])).with_suffix(".py").is_file() for n in range(2, len(parts)))


def violations(package: str, root: Path = ROOT) -> list[str]:
    """Every use of a package that the table does not allow, as 'path:line uses package'."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(root).as_posix()
        for used, line, in_function in sorted(used_packages(path, root)):
            wiring = relative in CORE_WIRING and in_function
            if used != package and used not in ALLOWED[package] and not wiring:
                found.append(f"{relative}:{line} uses {used}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_go_one_way(package):
    assert violations(package) == []


def test_nothing_imports_ivr_or_api():
    assert all("ivr" not in allowed and "api" not in allowed for allowed in ALLOWED.values())


PLANTED = {
    "import inside a function": "def f():\n    import ivr.flow\n",
    "importlib": "import importlib\n\nflow = importlib.import_module('transcription.services')\n",
    "TYPE_CHECKING": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from campaigns import models\n",
    "dotted job name": "JOB = 'transcription.jobs.transcribe_recording'\n",
    "module-level import": "from ivr import flow\n",
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_a_planted_violation_is_caught(tmp_path, kind):
    for package in ("audio", "ivr", "transcription", "campaigns"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for module in (
        "ivr/flow.py",
        "transcription/services.py",
        "transcription/jobs.py",
        "campaigns/models.py",
    ):
        (tmp_path / module).write_text("")
    (tmp_path / "audio" / "planted.py").write_text(PLANTED[kind])
    assert violations("audio", tmp_path) != []
    (tmp_path / "audio" / "planted.py").write_text("from core import db\nENDPOINT = 'audio.library'\n")
    assert violations("audio", tmp_path) == []


def test_no_wiring_by_name_or_side_effect():
    """No importlib, file-existence checks or import-for-side-effect registration choose what runs."""
    pattern = re.compile(r"importlib\.import_module|_registers_|\(ROOT / .*\)\.exists\(\)")
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert not pattern.search(path.read_text()), path


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        options = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_no_create_all_outside_tests():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert "create_all(" not in path.read_text(), path


def test_the_readme_lists_every_module():
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"{package}/{path.stem}"
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("*.py"))
        if path.name != "__init__.py" and f"  - `{path.stem}`:" not in readme
    ]
    assert missing == []


def test_no_module_outgrows_one_concept():
    """Over 400 lines a module holds more than one concept (the prompt table aside)."""
    engines = {"ivr/prompts.py"}
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for package in PACKAGES
        for path in (ROOT / package).glob("*.py")
        if (lines := len(path.read_text().splitlines())) > 400
        and path.relative_to(ROOT).as_posix() not in engines
    ]
    assert long == []
