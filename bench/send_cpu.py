"""CPU per campaign send, in-process, against a floor measured in the same run.

The floor is one twilio-python `messages.create` to the loopback Twilio-compatible server: the
least a send can cost in this stack. The app's side is measured two ways over the outbox rows of an
SMS campaign, in this process: in batches (`campaigns.batch_sending.send_due`, what a campaign's
sending job runs: one claim statement a batch, then per row its rate slot, the REST call and the SID
stored) and one row at a time (`campaigns.sending.send`, the path of retries, test-sends and rows an
interrupted send left behind). RQ's own per-job cost is not in either figure (a sending job serves
a tick's worth of rows). Both sides are CPU time of this process (time.process_time). Run alone it
prints the cProfile of the batched sends.
"""

import argparse
import cProfile
import io
import pstats
import time

from twilio.rest import Client

from bench.b6_campaign_dispatch import pinned_clock_offset, seed_campaign
from bench.common import load_average
from bench.instance import ACCOUNT_SID, Instance
from tests.twilio_loopback import LoopbackTwilio


def floor_ms(server: LoopbackTwilio, sends: int) -> float:
    """CPU milliseconds of one bare `messages.create` to the loopback server."""
    client = Client(ACCOUNT_SID, server.auth_token)
    client.api.base_url = server.base_url
    started = time.process_time()
    for n in range(sends):
        client.messages.create(to=f"+9196{n:08d}", from_="+15005550006", body="नया पाठ सुनें")
    return 1000 * (time.process_time() - started) / sends


def app_sends(inst: Instance, sends: int, batched: bool, profile: cProfile.Profile | None) -> float:
    """CPU milliseconds per send over a campaign's outbox rows, in batches or one `sending.send` each."""
    from sqlalchemy import func, select

    from campaigns import batch_sending, campaign_runs, sending
    from campaigns.models import Campaign, Delivery
    from core.db import db

    seed_campaign(inst, sends)
    with inst.app().app_context():
        campaign = db.session.scalars(select(Campaign)).one()
        run = campaign_runs.start_run(campaign.id)
        assert run is not None, "the campaign's run did not open"
        run_id = run.id
        ids = list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))
        db.session.remove()
        started = time.process_time()
        if profile:
            profile.enable()
        if batched:
            batch_sending.send_due(run_id, time.time() + 3600)
        else:
            for delivery_id in ids:
                sending.send(delivery_id)
                db.session.remove()  # as after each job
        if profile:
            profile.disable()
        cpu = time.process_time() - started
        sent = db.session.scalar(select(func.count()).where(Delivery.provider_sid.is_not(None)))
        assert sent == len(ids), f"{sent} of {len(ids)} sent"
        return 1000 * cpu / len(ids)


def measure(sends: int = 300, batched: bool = True, profile: cProfile.Profile | None = None) -> dict:
    """The floor and the app's CPU per send, measured one after the other in this process."""
    server = LoopbackTwilio(ACCOUNT_SID, "send-cpu-loopback-token-0123456789").start()
    env = {
        "CHAUPAL_ENV": "testing",
        "CLOCK_OFFSET_SECONDS": str(pinned_clock_offset()),
        # Pacing off (only CPU is measured); a batch is then the whole outbox, where at 100/s it is 100 rows.
        "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": "100000",
    }
    try:
        floor = floor_ms(server, sends)
        with Instance(twilio_base_url=server.base_url, auth_token=server.auth_token, extra_env=env) as inst:
            app = app_sends(inst, sends, batched, profile)
    finally:
        server.stop()
    return {
        "path": "batches" if batched else "one at a time",
        "sends": sends,
        "floor_ms": round(floor, 2),
        "app_ms": round(app, 2),
        "ratio": round(app / floor, 2),
        "load_average": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each path, alternated")
    args = parser.parse_args()
    for _ in range(args.rounds):
        print("without the profiler:", measure(args.sends, batched=True))
        print("without the profiler:", measure(args.sends, batched=False))
    profile = cProfile.Profile()
    print("with the profiler:", measure(args.sends, True, profile))
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
    print(text.getvalue())
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(15)
    print(text.getvalue())


if __name__ == "__main__":
    main()
