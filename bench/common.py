"""Shared benchmark plumbing: results with targets, machine facts, the markdown report."""

import json
import math
import os
import platform
import re
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT = ROOT / "docs" / "benchmarks.md"
ANALYSIS = "## Analysis"


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
    # A test's small run keeps its figures apart, so they never reach docs/benchmarks.md.
    folder = Path(os.environ.get("CHAUPAL_BENCH_RESULTS") or RESULTS)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.name.split()[0]}.json").write_text(json.dumps(asdict(result), indent=2))
    sys.exit(0 if result.met else 1)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank (an observed value, never an interpolation); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def load_average() -> float:
    """The one-minute load average: how busy the machine was around a measurement."""
    return round(os.getloadavg()[0], 2)


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (from /proc), for CPU and memory accounting."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes and their reaped children have used so far (gone ones count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return kb / 1024


def machine() -> dict:
    """Facts about the machine and versions a reader needs to compare figures."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    packages = {
        name: _version(name) for name in ("flask", "rq", "redis", "vosk", "twilio", "sqlalchemy", "gunicorn")
    }
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": _memory(),
        "system": _system(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "ffmpeg": _ffmpeg(),
        **packages,
    }


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
        return "not installed"


def _memory() -> str:
    """The machine's memory as /proc/meminfo gives it, in GiB."""
    try:
        total_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration, ValueError):
        return "unknown"
    return f"{total_kib / 2**20:.1f} GiB"


def _system() -> str:
    """The operating system's name and version (os-release), and the kernel."""
    try:
        release = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        release = platform.system()
    return f"{release}, kernel {platform.release()}"


def _ffmpeg() -> str:
    try:
        return subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True, timeout=10
        ).stdout.split()[2]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "not installed"


def write_report() -> Path:
    """Rewrite docs/benchmarks.md from the saved results; benchmarks not run again keep their rows."""
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    rows = _kept_rows()
    rows.update(
        {
            r["name"]: f"| {r['name']} | {r['summary']} | {r['target']} | {'yes' if r['met'] else '**no**'} |"
            for r in results
        }
    )
    facts = machine()
    lines = [
        "# Benchmarks",
        "",
        "Measured with `make bench` (or `python -m bench B1 B3 ...`).",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in facts.items()],
        "",
        "| Benchmark | Result | Target | Met |",
        "|---|---|---|---|",
    ]
    lines += [rows[name] for name in sorted(rows)]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n" + _kept_analysis())
    return REPORT


def _kept_rows() -> dict[str, str]:
    """The previous report's benchmark rows by name ('B1 webhook latency'), to keep those not re-run."""
    text = REPORT.read_text() if REPORT.exists() else ""
    table = text[: text.index(ANALYSIS)] if ANALYSIS in text else text
    rows = [line for line in table.splitlines() if re.match(r"\| B\d", line)]
    return {row.split("|")[1].strip(): row for row in rows}


def _kept_analysis() -> str:
    """The hand-written analysis of the previous report (from its ANALYSIS heading on), kept across runs."""
    text = REPORT.read_text() if REPORT.exists() else ""
    return "\n" + text[text.index(ANALYSIS) :] if ANALYSIS in text else ""
