"""B11: scale-out: the system run as several machines would run it, on one box.

Two web instances behind a round-robin proxy, separate audio, transcription, campaigns and default
workers, PostgreSQL, one shared Redis and the S3-compatible store (bench.cluster). Simulated callers
make `--calls` calls through the proxy, about a third of them recording a story (real speech, served
by the loopback Twilio server, downloaded, converted, stored in S3 and transcribed), while an SMS
campaign goes to `--recipients` people. The campaign first runs on one worker, then on two: the
throughput per added worker is the second rate over the first. Nothing may be lost or doubled:
every recording the line registered ends stored and transcribed, every recipient gets one message.
"""

import argparse
import asyncio
import threading
import time
from collections import Counter

from bench import callers
from bench.b6_campaign_dispatch import pinned_clock_offset, seed_campaign
from bench.cluster import Cluster
from bench.common import Result, finish, load_average
from bench.instance import ACCOUNT_SID, PUBLIC_BASE_URL
from bench.speech import recordings

TARGET = (
    "0 lost recordings, 0 duplicate or missing sends, 0 webhook errors; throughput per added worker reported"
)
# The loopback provider's limit sits above what the workers can send: the workers are what is measured.
PROVIDER_LIMIT_PER_SECOND = 1000


def serve_clip(cluster: Cluster, clip: bytes, seconds: float, posted: list[str]):
    """The callers' on_recording hook: each take is real audio on the loopback Twilio server."""

    def serve(_call_sid: str, base: str) -> tuple[str, str, float]:
        sid = cluster.twilio.next_sid("RE")
        cluster.twilio.add_recording(sid, (200, clip))
        posted.append(sid)
        return sid, f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}", seconds

    return serve


def run_calls(cluster: Cluster, load: callers.Load, target: int, concurrent: int, pace: float) -> dict:
    """Caller windows through the proxy until `target` calls were made; what they saw."""
    started = time.monotonic()
    while calls_made(load) < target:
        asyncio.run(callers.run_callers(load, concurrent, ramp=2.0, steady=15.0, pace=pace))
    seconds = time.monotonic() - started
    client = callers.summary(load.samples, (started, started + seconds))
    return {
        "calls": calls_made(load),
        "seconds": round(seconds, 1),
        "recordings_posted": load.counts.get("recordings", 0),
        "webhooks": len(load.samples),
        "webhook_errors": len(load.errors),
        "first_errors": load.errors[:5],
        "client_p99_ms": client["p99_ms"],
        "connections_per_web_instance": sorted(cluster.proxy.connections.values()),
    }


def calls_made(load: callers.Load) -> int:
    return sum(count for what, count in load.counts.items() if what.startswith("calls"))


class CampaignScaling(threading.Thread):
    """Messages per second on one campaign worker, then after a second one joins."""

    def __init__(self, cluster: Cluster, seconds: float):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.seconds = seconds
        self.figures: dict = {}

    def run(self) -> None:
        self._wait_for_first_send()
        one = self._rate()
        self.cluster.start_worker("campaigns")
        time.sleep(5)  # the new worker starts, loads the app and joins the run
        two = self._rate()
        self.figures = {
            "one_worker_per_second": one,
            "two_workers_per_second": two,
            "per_added_worker": round(two / one, 2) if one else 0.0,
        }

    def _wait_for_first_send(self) -> None:
        deadline = time.monotonic() + 300
        while not self.cluster.twilio.created("Messages") and time.monotonic() < deadline:
            time.sleep(0.2)

    def _rate(self) -> float:
        before, started = len(self.cluster.twilio.created("Messages")), time.monotonic()
        time.sleep(self.seconds)
        sent = len(self.cluster.twilio.created("Messages")) - before
        return round(sent / (time.monotonic() - started), 1)


def wait_for_sends(cluster: Cluster, recipients: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while len(cluster.twilio.created("Messages")) < recipients and time.monotonic() < deadline:
        time.sleep(1)
    per_number = Counter(r["form"]["To"] for r in cluster.twilio.created("Messages"))
    return {
        "recipients": recipients,
        "sent": len(per_number),
        "missing": recipients - len(per_number),
        "duplicates": sum(count - 1 for count in per_number.values()),
    }


def wait_for_recordings(cluster: Cluster, posted: list[str], timeout: float) -> dict:
    """Every registered recording stored in S3 and transcribed (or the timeout): the counts."""
    deadline = time.monotonic() + timeout
    while True:
        state = recording_states(cluster, posted)
        if state["in_progress"] == 0 or time.monotonic() > deadline:
            return state
        time.sleep(2)


def recording_states(cluster: Cluster, posted: list[str]) -> dict:
    from sqlalchemy import select

    from audio.models import Recording
    from core.db import db
    from transcription.models import Transcript

    with cluster.instance.app().app_context():
        rows = db.session.execute(
            select(Recording.recording_sid, Recording.status, Recording.original_key, Transcript.status)
            .outerjoin(Transcript, Transcript.recording_id == Recording.id)
            .where(Recording.recording_sid.in_(posted))
        ).all()
        db.session.remove()
    keys = cluster.stored_keys()
    stored = [r for r in rows if r[1] == Recording.READY and any(k.endswith(r[2]) for k in keys if r[2])]
    transcribed = [r for r in rows if r[3] == Transcript.READY]
    final = {Recording.READY, Recording.FAILED}
    return {
        "posted": len(posted),
        "registered": len(rows),
        "stored_in_s3": len(stored),
        "transcribed": len(transcribed),
        "failed": sum(1 for r in rows if r[1] == Recording.FAILED),
        "in_progress": sum(
            1 for r in rows if r[1] not in final or (r[1] == Recording.READY and r[3] != "ready")
        ),
    }


def verdict(figures: dict) -> Result:
    calls, sends, takes, scaling = (figures[k] for k in ("calls", "sends", "recordings", "campaign_scaling"))
    lost = takes["registered"] - min(takes["stored_in_s3"], takes["transcribed"])
    met = lost == 0 and sends["missing"] == 0 and sends["duplicates"] == 0 and calls["webhook_errors"] == 0
    summary = (
        f"{calls['calls']} calls through 2 web instances ({calls['webhooks']} webhooks, "
        f"{calls['webhook_errors']} errors, client p99 {calls['client_p99_ms']} ms); "
        f"{takes['registered']} recordings registered, {takes['stored_in_s3']} stored in S3, "
        f"{takes['transcribed']} transcribed, {lost} lost; campaign to {sends['recipients']:,}: "
        f"{sends['sent']:,} sent, {sends['missing']} missing, {sends['duplicates']} duplicates; "
        f"campaign workers 1 -> 2: {scaling.get('one_worker_per_second')} -> "
        f"{scaling.get('two_workers_per_second')} messages/s (x{scaling.get('per_added_worker')}); "
        f"load average {figures['load_average']}"
    )
    return Result("B11 scale-out", summary, TARGET, met, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=100, help="callers on the line at once")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds a caller takes per menu")
    parser.add_argument("--clip", type=float, default=2.0, help="seconds of speech per recording")
    parser.add_argument("--measure", type=float, default=30.0, help="seconds per campaign rate measurement")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    figures = run(args)
    finish(verdict(figures))


def run(args) -> dict:
    env = {
        "CHAUPAL_ENV": "testing",  # the campaign clock is pinned inside calling hours (as in B6)
        "CLOCK_OFFSET_SECONDS": str(pinned_clock_offset()),
        "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": str(PROVIDER_LIMIT_PER_SECOND),
        # A sending job sends one row at a time: the second worker has work only with a second job.
        "CAMPAIGN_SENDING_JOBS": "2",
    }
    with Cluster(env) as cluster:
        cluster.twilio.rate_limit_per_second = PROVIDER_LIMIT_PER_SECOND
        clip = recordings([args.clip], cluster.folder / "clips")[args.clip].read_bytes()
        for role in ("audio", "transcription", "default", "campaigns"):
            cluster.start_worker(role)
        seed_campaign(cluster.instance, args.recipients)
        scaling = CampaignScaling(cluster, args.measure)
        scaling.start()
        posted: list[str] = []
        load = callers.Load(
            cluster.proxy.url,
            PUBLIC_BASE_URL,
            cluster.instance.auth_token,
            ACCOUNT_SID,
            recording_base=cluster.twilio.base_url,
            on_recording=serve_clip(cluster, clip, args.clip, posted),
        )
        calls = run_calls(cluster, load, args.calls, args.callers, args.pace)
        scaling.join(args.timeout)
        sends = wait_for_sends(cluster, args.recipients, args.timeout)
        takes = wait_for_recordings(cluster, posted, args.timeout)
    return {
        "calls": calls,
        "sends": sends,
        "recordings": takes,
        "campaign_scaling": scaling.figures,
        "load_average": load_average(),
    }


if __name__ == "__main__":
    main()
