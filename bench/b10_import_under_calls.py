"""B10: a 100,000-row contact CSV imported (dry run, then for real) while 50 callers walk the line.

The production web server and a `chaupal worker default` serve a fresh SQLite instance. The import
runs as the upload page starts it (the file saved in the instance folder, `core.jobs.import_contacts`
enqueued); 50 simulated callers walk the IVR (B1's callers) in back-to-back windows until the import's
report is written. Every webhook, as the server timed it and as the caller saw it, must answer in
under a second, with no error.
"""

import argparse
import time

from bench.b1_webhook_latency import measure_level
from bench.common import Result, finish, load_average
from bench.instance import Instance
from core.cli import worker_command

TARGET_MS = 1000
CSV_HEADER = "phone,name,role,language,state,district,block,gram_panchayat,topics\n"


def write_csv(path, rows: int) -> None:
    """rows valid, distinct contacts in the import format (places and topics from the seed data)."""
    with path.open("w") as file:
        file.write(CSV_HEADER)
        for n in range(rows):
            file.write(f"+9197{n:08d},Person {n},mason,hi,Uttar Pradesh,Sitapur,,,twin-pit\n")


def import_while_calling(inst: Instance, rows: int, dry_run: bool, callers: int, window: float) -> dict:
    """Start one import job, run caller windows until its report exists; the import's and calls' figures."""
    from core import contact_import, jobs, queue

    app = inst.app()
    with app.app_context():
        upload_id = contact_import.new_upload_id()
        write_csv(contact_import.upload_path(upload_id), rows)
        started = time.monotonic()
        queue.enqueue_now("default", jobs.import_contacts, upload_id, dry_run, job_timeout=3600)
        levels: list[dict] = []
        while contact_import.saved_report(upload_id) is None and len(levels) < 40:
            levels.append(measure_level(inst, callers, ramp=2.0, steady=window))
        report = contact_import.saved_report(upload_id)
        seconds = time.monotonic() - started
    return {
        "dry_run": dry_run,
        "rows": rows,
        "import_seconds": round(seconds, 1),
        "report": report.lines() if report else ["not finished"],
        "windows": levels,
    }


def worst(run: dict) -> dict:
    """The slowest webhook and the error count over every window of one import."""
    windows = run["windows"]
    return {
        "server_max_ms": max((w["server"]["max_ms"] for w in windows), default=0.0),
        "client_max_ms": max((w["client"]["max_ms"] for w in windows), default=0.0),
        "requests": sum(w["server"]["requests"] for w in windows),
        "errors": sum(w["server"]["errors"] + w["client"]["errors"] for w in windows),
    }


def verdict(figures: dict) -> Result:
    parts, met = [], True
    for run in figures["runs"]:
        w = worst(run)
        done = run["report"][0] != "not finished" and "problem" not in run["report"][-1]
        met = met and done and w["errors"] == 0 and max(w["server_max_ms"], w["client_max_ms"]) < TARGET_MS
        kind = "dry run" if run["dry_run"] else "import"
        parts.append(
            f"{kind} of {run['rows']:,} rows in {run['import_seconds']} s: {w['requests']} webhooks, "
            f"slowest {w['server_max_ms']} ms server / {w['client_max_ms']} ms client, {w['errors']} errors"
        )
    summary = (
        f"{figures['callers']} callers; " + "; ".join(parts) + f"; load average {figures['load_average']}"
    )
    return Result(
        "B10 import under calls", summary, f"every webhook < {TARGET_MS} ms, zero errors", met, figures
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--window", type=float, default=10.0, help="seconds per measured caller window")
    args = parser.parse_args()
    with Instance() as inst:
        inst.start_web(workers=2)
        inst.spawn(worker_command("default"), "worker")  # as `chaupal up` runs it
        runs = [
            import_while_calling(inst, args.rows, dry, args.callers, args.window) for dry in (True, False)
        ]
    figures = {"callers": args.callers, "runs": runs, "load_average": load_average()}
    finish(verdict(figures))


if __name__ == "__main__":
    main()
