"""B5: time from a caller hanging up mid-recording to a tagged transcript in the curator queue,
with the line idle and under a burst of 100 recordings in 60 s.

Everything is real and on loopback: signed webhooks into gunicorn (the caller walks the menu,
consents, records and hangs up), the recording status callback, `chaupal worker audio`
downloading from a loopback Twilio-compatible server, and two `chaupal worker transcription`
processes (one per core) decoding with Vosk, tagging and ranking.
"""

import argparse
import asyncio
import random
import time
from urllib.parse import urlsplit

from bench import callers
from bench.common import Result, finish, load_average, percentile
from bench.instance import ACCOUNT_SID, PUBLIC_BASE_URL
from bench.pipeline import Pipeline

SLACK_SECONDS = 2.0


async def record_and_hang_up(load: callers.Load, session, number: str, hung_up: dict) -> None:
    """Dial, choose to record a story, consent, speak, hang up while recording; note the moment."""
    caller = callers.Caller(load, session, number, random.Random(), pace=0)
    call = caller.call
    turn = await caller.step(call.starting())
    for _ in range(callers.MAX_TURNS):
        if turn.waiting != "gather":
            break
        screen = urlsplit(call.action_url()).path.rsplit("/", 1)[-1]
        key = callers.choose_key(screen, {}, "record", done=False)
        turn = await caller.step(call.staying_silent() if key is None else call.pressing(key))
    if turn.waiting != "record":
        load.errors.append(f"never reached the recording step ({turn.waiting})")
        return
    sid, url, seconds = load.recording(call.call_sid)
    hung_up[sid] = time.time()
    await caller.step(call.finishing_recording(sid, url, seconds, hang_up=True))
    await caller.step(call.hanging_up(seconds=90))
    await caller.step(call.reporting_recording(sid, url, seconds))


async def calls(load: callers.Load, count: int, spread: float, hung_up: dict) -> None:
    """`count` recording calls started evenly over `spread` seconds."""
    async with callers.new_session() as session:
        numbers = callers.caller_numbers(count, first=50_000 + len(hung_up))

        async def one(n: int) -> None:
            await asyncio.sleep(spread * n / count)
            await record_and_hang_up(load, session, numbers[n], hung_up)

        await asyncio.gather(*(one(n) for n in range(count)))


def latencies(pipeline: Pipeline, hung_up: dict, timeout: float) -> list[dict]:
    """Per recording: seconds from hang-up to transcript, and the decoder's own share."""
    journeys = pipeline.wait_for(len(hung_up), timeout, set(hung_up))
    return [
        {
            "seconds": j.transcribed - hung_up[j.recording_sid],
            "audio": j.audio_seconds,
            "decode": j.decode_seconds,
            "status": j.status,
        }
        for j in journeys
        if j.transcribed
    ]


def measure(
    idle: int, idle_seconds: float, burst: int, burst_seconds: float, spread: float, timeout: float
) -> dict:
    with Pipeline() as pipeline:
        pipeline.make_clips(sorted({idle_seconds, burst_seconds}))
        pipeline.instance.start_web()
        pipeline.start_workers(transcription=2, audio=1)
        load = callers.Load(
            pipeline.instance.web_url,
            PUBLIC_BASE_URL,
            pipeline.instance.auth_token,
            ACCOUNT_SID,
            recording_base=pipeline.twilio.base_url,
        )
        idle_hung: dict = {}
        load.on_recording = lambda _sid, _base: pipeline.serve(idle_seconds)
        for _ in range(idle + 1):  # the first warms the workers up and is not counted
            one: dict = {}
            asyncio.run(calls(load, 1, 0, one))
            latencies(pipeline, one, timeout)
            idle_hung.update(one)
        idle_rows = latencies(pipeline, dict(list(idle_hung.items())[1:]), timeout)
        burst_hung: dict = {}
        load.on_recording = lambda _sid, _base: pipeline.serve(burst_seconds)
        asyncio.run(calls(load, burst, spread, burst_hung))
        burst_rows = latencies(pipeline, burst_hung, timeout)
    return {
        "idle": idle_rows,
        "burst": burst_rows,
        "idle_count": idle,
        "burst_count": burst,
        "idle_seconds": idle_seconds,
        "burst_seconds": burst_seconds,
        "spread": spread,
        "errors": load.errors[:10],
        "load_average": load_average(),
    }


def verdict(f: dict) -> Result:
    idle, burst = f["idle"], f["burst"]
    idle_p50 = percentile([r["seconds"] for r in idle], 50)
    rtf = percentile([r["decode"] / r["audio"] for r in idle if r["audio"]], 50)
    allowed = rtf * f["idle_seconds"] + SLACK_SECONDS
    burst_s = [r["seconds"] for r in burst]
    done = sum(1 for r in burst if r["status"] == "ready")
    f.update(
        {
            "idle_p50": idle_p50,
            "idle_rtf": rtf,
            "idle_allowed": allowed,
            "burst_p50": percentile(burst_s, 50),
            "burst_p95": percentile(burst_s, 95),
            "burst_max": max(burst_s, default=0.0),
            "burst_done": done,
        }
    )
    met = (
        idle_p50 <= allowed and len(idle) == f["idle_count"] and done == f["burst_count"] and not f["errors"]
    )
    summary = (
        f"idle ({f['idle_count']} x {f['idle_seconds']:.0f} s): p50 {idle_p50:.1f} s (allowed RTF {rtf:.2f} x "
        f"{f['idle_seconds']:.0f} s + {SLACK_SECONDS:.0f} s = {allowed:.1f} s); burst of {f['burst_count']} x "
        f"{f['burst_seconds']:.0f} s in {f['spread']:.0f} s: {done}/{f['burst_count']} transcribed, p50 "
        f"{f['burst_p50']:.0f} s, p95 {f['burst_p95']:.0f} s, last {f['burst_max']:.0f} s after its hang-up; "
        f"{len(f['errors'])} webhook errors; load average {f['load_average']}"
    )
    target = f"idle p50 <= RTF x duration + {SLACK_SECONDS:.0f} s; burst: every recording transcribed"
    return Result("B5 hang-up to transcript", summary, target, met, f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=5, help="recordings made one at a time")
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--burst", type=int, default=100, help="recordings in the burst")
    parser.add_argument("--burst-seconds", type=float, default=10, help="length of each burst recording")
    parser.add_argument("--spread", type=float, default=60, help="seconds the burst's hang-ups spread over")
    parser.add_argument("--timeout", type=float, default=1200)
    a = parser.parse_args()
    finish(verdict(measure(a.idle, a.idle_seconds, a.burst, a.burst_seconds, a.spread, a.timeout)))


if __name__ == "__main__":
    main()
