"""Run benchmarks by name (all when none are named) and rewrite docs/benchmarks.md."""

import argparse
import subprocess
import sys

from bench.common import ROOT, write_report

BENCHMARKS = {
    "B1": "bench.b1_webhook_latency",
    "B2": "bench.b2_webhooks_under_load",
    "B3": "bench.b3_vosk_rtf",
    "B4": "bench.b4_recordings_per_hour",
    "B5": "bench.b5_hangup_to_queue",
    "B6": "bench.b6_campaign_dispatch",
    "B7": "bench.b7_memory_soak",
    "B8": "bench.b8_analytics_pages",
    "B9": "bench.b9_due_reasks",
    "B10": "bench.b10_import_under_calls",
    "B11": "bench.b11_scale_out",
}


def parser() -> argparse.ArgumentParser:
    """The command line: benchmark names, checked against the known ones, each listed with its module."""
    listing = "\n".join(f"  {name:<4} {module}" for name, module in BENCHMARKS.items())
    command = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        epilog=f"benchmarks:\n{listing}\n\nEach module takes its own options: python -m <module> --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        type=str.upper,
        help="benchmarks to run (B1 ... B11, any case); all when none are named",
    )
    return command


def main(names: list[str]) -> int:
    """Run each benchmark in its own process; the exit code counts missed targets."""
    missed = 0
    for name in names or BENCHMARKS:
        module = BENCHMARKS[name]
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            print(f"{name}: not written yet")
            continue
        missed += subprocess.run([sys.executable, "-m", module], cwd=ROOT).returncode != 0
    print(f"report: {write_report()}")
    return missed


def chosen(argv: list[str]) -> list[str]:
    """The benchmark names asked for, upper-cased; an unknown name ends with the usage and exit code 2."""
    command = parser()
    names = command.parse_args(argv).names
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        command.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    return names


if __name__ == "__main__":
    sys.exit(main(chosen(sys.argv[1:])))
