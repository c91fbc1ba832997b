"""B1: phone-line webhook latency at 100, 500 and 1,000 concurrent callers, and the saturation
throughput of the voice webhook.

The production web server (gunicorn as `chaupal web` runs it) serves a fresh instance with real
SQLite writes, a real Redis and signature checks on. Simulated callers walk the IVR over loopback
(one menu answer about every 10 s each, plus Twilio's status and recording callbacks). Server
time is gunicorn's own per-request clock from its access log; client time is what the caller saw
(it includes the load generator sharing the same two cores).
"""

import argparse
import asyncio
import time
from pathlib import Path

from bench import callers, webhook_cpu
from bench.common import Result, cpu_seconds, finish, load_average, percentile, process_tree
from bench.instance import ACCOUNT_SID, PUBLIC_BASE_URL, Instance

TARGET_P99_MS = 50


def parse_access_log(text: str) -> list[tuple[str, int, float]]:
    """(webhook kind, HTTP status, server ms) for each line of the access log (ACCESS_FORMAT)."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
            rows.append((callers.kind_of(parts[1]), int(parts[2]), int(parts[3]) / 1000))
    return rows


def server_summary(rows: list[tuple[str, int, float]]) -> dict:
    """Server-side percentiles (ms) and errors, overall and per webhook kind."""
    millis = [ms for _, _, ms in rows]
    kinds = sorted({kind for kind, _, _ in rows})
    return {
        "requests": len(rows),
        "errors": sum(1 for _, status, _ in rows if status >= 400),
        "p50_ms": round(percentile(millis, 50), 1),
        "p99_ms": round(percentile(millis, 99), 1),
        "max_ms": round(max(millis, default=0.0), 1),
        "p99_ms_by_kind": {
            k: round(percentile([ms for kind, _, ms in rows if kind == k], 99), 1) for k in kinds
        },
    }


class Window:
    """The access-log bytes and web-server CPU time spent between two moments."""

    def __init__(self, log: Path, web_pid: int):
        self.log = log
        self.web_pid = web_pid

    def open(self) -> None:
        self.start_offset = self._size()
        self.cpu = self._cpu()
        self.clock = time.monotonic()
        self.own_cpu = time.process_time()

    def close(self) -> dict:
        end_offset, cpu, clock = self._size(), self._cpu(), time.monotonic()
        own_cpu = time.process_time() - self.own_cpu
        with self.log.open("rb") as file:
            file.seek(self.start_offset)
            text = file.read(end_offset - self.start_offset).decode()
        summary = server_summary(parse_access_log(text))
        summary["web_cpu_percent_of_one_core"] = round(100 * (cpu - self.cpu) / (clock - self.clock), 1)
        # the simulated phones run in this process on the same cores: what they took, the server did not have
        summary["load_generator_cpu_percent_of_one_core"] = round(100 * own_cpu / (clock - self.clock), 1)
        # CPU per request does not depend on what else the machine runs: it sizes a dedicated box.
        summary["web_cpu_ms_per_request"] = round(1000 * (cpu - self.cpu) / max(summary["requests"], 1), 2)
        return summary

    def _size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def _cpu(self) -> float:
        return cpu_seconds(process_tree(self.web_pid))


async def _level(load: callers.Load, window: Window, count: int, ramp: float, steady: float) -> dict:
    async def measure() -> dict:
        await asyncio.sleep(ramp)
        window.open()
        await asyncio.sleep(steady)
        return window.close()

    server, span = await asyncio.gather(measure(), callers.run_callers(load, count, ramp, steady))
    return {
        "callers": count,
        "server": server,
        "client": callers.summary(load.samples, span),
        "load_errors": load.errors[:5],
        "calls": load.counts,
        "load_average": load_average(),
    }


def measure_level(inst: Instance, count: int, ramp: float, steady: float) -> dict:
    """Run `count` callers and summarise the steady window (after the ramp)."""
    load = callers.Load(inst.web_url, PUBLIC_BASE_URL, inst.auth_token, ACCOUNT_SID)
    window = Window(inst.access_log, inst.web.pid)
    return asyncio.run(_level(load, window, count, ramp, steady))


def measure_saturation(inst: Instance, concurrency: int, seconds: float) -> dict:
    """Back-to-back POSTs to /ivr/voice: the most calls per second the server answers."""
    load = callers.Load(inst.web_url, PUBLIC_BASE_URL, inst.auth_token, ACCOUNT_SID)
    window = Window(inst.access_log, inst.web.pid)
    window.open()
    started = asyncio.run(callers.saturate(load, "/ivr/voice", concurrency, seconds))
    server = window.close()
    client = callers.summary(load.samples, (started, started + seconds))
    return {
        "concurrency": concurrency,
        "server": server,
        "client": client,
        "rate": client["rate"],
        "load_average": load_average(),
    }


def run(
    levels: list[int],
    ramp: float,
    steady: float,
    saturation_seconds: float,
    concurrency: int,
    workers: int,
    database_url: str,
) -> dict:
    """Every level, then saturation, on one instance."""
    with Instance(database_url=database_url) as inst:
        # in-process CPU against the floor first, before the web server and phones share the cores
        in_process = webhook_cpu.measure(inst)
        inst.start_web(workers=workers)
        results = {"in_process": in_process, "levels": [measure_level(inst, n, ramp, steady) for n in levels]}
        results["saturation"] = measure_saturation(inst, concurrency, saturation_seconds)
        results["setup"] = {
            "workers": workers,
            "threads": 4,
            "database": database_url or "sqlite",
            "ramp_s": ramp,
            "steady_s": steady,
        }
    return results


def verdict(figures: dict, target_callers: int) -> Result:
    """Pass when the level with the target number of callers has server p99 <= 50 ms and no level errs."""
    levels = figures["levels"]
    errors = sum(level["server"]["errors"] + level["client"]["errors"] for level in levels)
    at_target = next((lvl for lvl in levels if lvl["callers"] == target_callers), levels[-1])
    met = at_target["server"]["p99_ms"] <= TARGET_P99_MS and errors == 0
    met = met and figures["in_process"]["ratio"] <= webhook_cpu.TARGET_RATIO
    cpu = figures["in_process"]
    parts = [
        f"in-process CPU per webhook {cpu['app_cpu_ms_per_request']} ms against the floor's "
        f"{cpu['floor_cpu_ms_per_request']} ms: {cpu['ratio']}x the floor (target <= {webhook_cpu.TARGET_RATIO}x)"
    ]
    parts += [
        f"{lvl['callers']:,} callers: {lvl['server']['requests'] / steady_seconds(figures):.0f} req/s, server p50 "
        f"{lvl['server']['p50_ms']} ms p99 {lvl['server']['p99_ms']} ms (client p99 {lvl['client']['p99_ms']} ms), "
        f"{lvl['server']['errors'] + lvl['client']['errors']} errors, load generator "
        f"{lvl['server'].get('load_generator_cpu_percent_of_one_core', '?')}% of a core"
        for lvl in reversed(levels)
    ]
    sat = figures["saturation"]
    parts.append(f"/ivr/voice saturates at {sat['rate']:.0f} req/s (server p99 {sat['server']['p99_ms']} ms)")
    return Result(
        "B1 webhook latency",
        "; ".join(parts),
        f"p99 server time <= {TARGET_P99_MS} ms at {target_callers:,} concurrent callers, zero errors; "
        f"CPU per webhook <= {webhook_cpu.TARGET_RATIO}x the floor",
        met,
        figures,
    )


def steady_seconds(figures: dict) -> float:
    return figures["setup"]["steady_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="100,500,1000", help="concurrent callers, comma-separated")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds to start all callers")
    parser.add_argument("--steady", type=float, default=60.0, help="seconds measured after the ramp")
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16, help="clients in the saturation test")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database-url", default="", help="default: SQLite in the temporary instance")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    figures = run(
        levels,
        args.ramp,
        args.steady,
        args.saturation_seconds,
        args.concurrency,
        args.workers,
        args.database_url,
    )
    finish(verdict(figures, 1000 if 1000 in levels else max(levels)))


if __name__ == "__main__":
    main()
