"""B6: campaign dispatch: an SMS campaign to 10,000 people, sent by `chaupal worker campaigns`
processes through a loopback Twilio-compatible server that enforces a rate limit (429 above it), at
1, 10 and 100 messages per second. Reported per rate: the achieved rate over every 60 s window, the
busiest second, refusals, duplicates, and the CPU the dispatching workers used.

Each rate is watched for a bounded time (`--seconds`): 10,000 messages at 1 per second would take
close to three hours. The campaign clock is pinned to 11:00 in India so the benchmark runs at any
hour inside calling hours (the one difference from production, with WARNING logging).
"""

import argparse
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import Result, cpu_seconds, finish, load_average, process_tree
from bench.instance import ACCOUNT_SID, Instance
from tests.twilio_loopback import LoopbackTwilio

TARGET_SHARE = 0.98
TARGET_CPU_SHARE = 0.05
WINDOW_SECONDS = 60


def pinned_clock_offset() -> float:
    """Seconds that move the campaign clock to 11:00 in India tomorrow."""
    india = ZoneInfo("Asia/Kolkata")
    target = datetime.now(india).replace(hour=11, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return (target - datetime.now(india)).total_seconds()


def seed_campaign(instance: Instance, recipients: int) -> None:
    """An officer, `recipients` people in their district, and an SMS campaign to them, started now."""
    from sqlalchemy import insert, select

    from campaigns import (
        campaign_runs,
        editing,
    )
    from core.auth import create_staff
    from core.db import db
    from core.models import Contact, District

    with instance.app().app_context():
        district = db.session.scalars(select(District).order_by(District.id)).first()
        rows = [
            {
                "phone": f"+9197{n:08d}",
                "name": f"Person {n}",
                "language_code": "hi",
                "district_id": district.id,
            }
            for n in range(recipients)
        ]
        db.session.execute(insert(Contact), rows)
        officer = create_staff("b6-officer", "a long bench password", "officer")
        officer.districts = [district]
        db.session.commit()
        form = {
            "name": "B6",
            "kind": "sms",
            "content": "none",
            "sms_templates": {"hi": "नया पाठ सुनें"},
            "window_start": "09:00",
            "window_end": "21:00",
        }
        campaign = editing.save_campaign(None, form, officer)
        campaign_runs.schedule_campaign(campaign, "now")


def watch(server: LoopbackTwilio, workers: list[int], recipients: int, seconds: float) -> dict:
    """Wait for the first send, then watch for `seconds` (or until everyone has theirs)."""
    deadline = time.monotonic() + 120
    while not server.created("Messages"):
        if time.monotonic() > deadline:
            raise SystemExit("B6: no message reached the loopback server within 120 s")
        time.sleep(0.2)
    cpu_before, started = cpu_seconds(_trees(workers)), time.monotonic()
    while time.monotonic() - started < seconds and len(server.created("Messages")) < recipients:
        time.sleep(0.5)
    wall = time.monotonic() - started
    return {"cpu_seconds": cpu_seconds(_trees(workers)) - cpu_before, "wall_seconds": wall}


def _trees(pids: list[int]) -> list[int]:
    return [pid for root in pids for pid in process_tree(root)]


def measure(rate: int, recipients: int, seconds: float, workers: int) -> dict:
    server = LoopbackTwilio(ACCOUNT_SID, "b6-loopback-token-0123456789").start()
    server.rate_limit_per_second = rate
    env = {
        "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": str(rate),
        # One sending job sends a row at a time; three at once keep up with 100/s while the loopback
        # server, in this process, takes its share of the two cores (one worker is left for the ticks).
        "CAMPAIGN_SENDING_JOBS": str(max(1, workers - 1)),
        "CHAUPAL_ENV": "testing",
        "CLOCK_OFFSET_SECONDS": str(pinned_clock_offset()),
    }
    try:
        with Instance(twilio_base_url=server.base_url, auth_token=server.auth_token, extra_env=env) as inst:
            seed_campaign(inst, recipients)
            from core.cli import worker_command

            pids = [inst.spawn(worker_command("campaigns"), f"worker-{n}").pid for n in range(workers)]
            usage = watch(server, pids, recipients, seconds)
    finally:
        server.stop()
    return {
        "rate_limit": rate,
        "recipients": recipients,
        "workers": workers,
        **usage,
        **sends(server, usage["wall_seconds"]),
        "load_average": load_average(),
    }


def sends(server: LoopbackTwilio, wall: float) -> dict:
    """Figures from what the loopback server received during the watched time."""
    accepted = sorted(r["time"] for r in server.requests if r["status"] == 201)
    start = accepted[0]
    accepted = [t for t in accepted if t <= start + wall]
    per_number = Counter(r["form"]["To"] for r in server.requests if r["status"] == 201)
    return {
        "sent": len(accepted),
        "refused_429": sum(1 for r in server.requests if r["status"] == 429),
        "duplicates": sum(count - 1 for count in per_number.values() if count > 1),
        "busiest_second": busiest(accepted, 1.0),
        "windows": window_counts(accepted),
    }


def busiest(times: list[float], span: float) -> int:
    """The most sends inside any `span` seconds (a sliding window, as the server counts)."""
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def window_counts(times: list[float]) -> list[int]:
    """Sends in each full 60 s window, starting at the first send and moving one second at a time."""
    if not times or times[-1] - times[0] < WINDOW_SECONDS:
        return [len(times)] if times else []
    counts = []
    for offset in range(int(times[-1] - times[0] - WINDOW_SECONDS) + 1):
        begin = times[0] + offset
        counts.append(sum(1 for t in times if begin <= t < begin + WINDOW_SECONDS))
    return counts


def verdict(runs: list[dict]) -> Result:
    parts, met = [], True
    for f in runs:
        windows = f["windows"] or [0]
        f["worst_window_share"] = min(windows) / (WINDOW_SECONDS * f["rate_limit"])
        f["cpu_share"] = f["cpu_seconds"] / f["wall_seconds"]
        ok = (
            f["worst_window_share"] >= TARGET_SHARE
            and f["busiest_second"] <= f["rate_limit"]
            and f["refused_429"] == 0
            and f["duplicates"] == 0
            and f["cpu_share"] <= TARGET_CPU_SHARE
        )
        met &= ok
        parts.append(
            f"{f['rate_limit']}/s: {f['sent']} sent in {f['wall_seconds']:.0f} s, worst 60 s window "
            f"{100 * f['worst_window_share']:.1f}% of the limit, busiest second {f['busiest_second']}, "
            f"{f['refused_429']} refused, {f['duplicates']} duplicates, workers' CPU "
            f"{100 * f['cpu_share']:.1f}% of a core"
        )
    summary = (
        "; ".join(parts) + f"; {runs[0]['recipients']} recipients, load average {runs[-1]['load_average']}"
    )
    target = (
        "rate >= 98% of the limit in every 60 s window, never above it, 0 duplicates, CPU <= 5% of a core"
    )
    return Result("B6 campaign dispatch", summary, target, met, {"runs": runs})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,10,100", help="rate limits to try, per second")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=180, help="longest watch per rate")
    parser.add_argument("--workers", type=int, default=4, help="campaign worker processes")
    args = parser.parse_args()
    rates = [int(rate) for rate in args.rates.split(",")]
    finish(verdict([measure(rate, args.recipients, args.seconds, args.workers) for rate in rates]))


if __name__ == "__main__":
    main()
