"""CPU per campaign send, in-process, against a floor measured in the same run.

The floor is one twilio-python `messages.create` to the loopback Twilio-compatible server: the
least a send can cost in this stack. The app's side is `campaigns.sending.send` for each outbox row of
an SMS campaign (claim, checks, rate slot, the REST call, the sent state recorded), run in this
process, so RQ's own per-job cost (enqueue, fetch, fork or not) is reported apart. Both sides are
CPU time of this process (time.process_time). Run alone it prints the cProfile of the sends.
"""

import argparse
import cProfile
import io
import pstats
import time

from twilio.rest import Client

from bench.b6_campaign_dispatch import pinned_clock_offset, seed_campaign
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


def app_sends(inst: Instance, sends: int, profile: cProfile.Profile | None) -> float:
    """CPU milliseconds per `sending.send` over a campaign's outbox rows."""
    from sqlalchemy import select

    from campaigns import campaign_runs, sending
    from campaigns.models import Campaign, Delivery
    from core.db import db

    seed_campaign(inst, sends)
    with inst.app().app_context():
        campaign = db.session.scalars(select(Campaign)).one()
        campaign_runs.start_run(campaign.id)
        ids = list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))
        db.session.remove()
        started = time.process_time()
        if profile:
            profile.enable()
        for delivery_id in ids:
            sending.send(delivery_id)
            db.session.remove()  # as after each job
        if profile:
            profile.disable()
        return 1000 * (time.process_time() - started) / len(ids)


def measure(sends: int = 300, profile: cProfile.Profile | None = None) -> dict:
    server = LoopbackTwilio(ACCOUNT_SID, "send-cpu-loopback-token-0123456789").start()
    env = {
        "CHAUPAL_ENV": "testing",
        "CLOCK_OFFSET_SECONDS": str(pinned_clock_offset()),
        "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": "100000",  # no pacing: only CPU is measured
    }
    try:
        floor = floor_ms(server, sends)
        with Instance(twilio_base_url=server.base_url, auth_token=server.auth_token, extra_env=env) as inst:
            app = app_sends(inst, sends, profile)
    finally:
        server.stop()
    return {
        "sends": sends,
        "floor_ms": round(floor, 2),
        "app_ms": round(app, 2),
        "ratio": round(app / floor, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=300)
    args = parser.parse_args()
    print("without the profiler:", measure(args.sends))
    profile = cProfile.Profile()
    print("with the profiler:", measure(args.sends, profile))
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
    print(text.getvalue())


if __name__ == "__main__":
    main()
