"""Shared benchmark plumbing: results with targets, machine facts, the markdown report."""

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "docs" / "benchmarks.md"


@dataclass
class Result:
    """One benchmark's figures, its target and whether the target was met."""

    name: str
    summary: str
    target: str
    met: bool
    figures: dict = field(default_factory=dict)

    def line(self) -> str:
        """The one summary line a benchmark prints."""
        return f"{self.name}: {'PASS' if self.met else 'MISS'} — {self.summary} (target: {self.target})"


def finish(result: Result) -> None:
    """Print the summary line, save the figures, and exit non-zero when the target is missed."""
    print(result.line())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result.name.split()[0]}.json").write_text(json.dumps(asdict(result), indent=2))
    sys.exit(0 if result.met else 1)


def machine() -> dict:
    """Facts about the machine and versions a reader needs to compare figures."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    packages = {
        name: _version(name) for name in ("flask", "rq", "redis", "vosk", "twilio", "sqlalchemy", "gunicorn")
    }
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "ffmpeg": _ffmpeg(), **packages}  # fmt: skip


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
        return "not installed"


def _ffmpeg() -> str:
    try:
        return subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True, timeout=10
        ).stdout.split()[2]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "not installed"


def write_report() -> Path:
    """Rewrite docs/benchmarks.md from the saved results of the last run of each benchmark."""
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    facts = machine()
    lines = ["# Benchmarks", "", "Measured with `make bench` (or `python -m bench B1 B3 ...`).", "",
             "| Machine | |", "|---|---|", *[f"| {k} | {v} |" for k, v in facts.items()], "",
             "| Benchmark | Result | Target | Met |", "|---|---|---|---|"]  # fmt: skip
    lines += [
        f"| {r['name']} | {r['summary']} | {r['target']} | {'yes' if r['met'] else '**no**'} |"
        for r in results
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    return REPORT
