"""B2: phone-line webhook latency at 1,000 concurrent callers while transcription workers keep
both cores busy decoding speech.

The workers are `chaupal worker transcription --nice 19` (one per core), fed a queue of 60 s
recordings that outlasts the measurement, on the same machine as gunicorn; callers walk the IVR as
in B1. The workers' CPU use over the window shows they were really decoding.
"""

import argparse
import time

from bench.b1_webhook_latency import measure_level
from bench.common import Result, finish
from bench.pipeline import Pipeline

TARGET_P99_MS = 100


def measure(callers: int, ramp: float, steady: float, nice: int, backlog: int) -> dict:
    with Pipeline() as pipeline:
        pipeline.make_clips([60])
        pipeline.instance.start_web()
        pipeline.start_workers(transcription=2, audio=1, nice=nice)
        for _ in range(backlog):
            pipeline.register(60)
        pipeline.wait_for(1, 300)  # decoding is under way on both workers from here on
        before, started = pipeline.transcription_cpu(), time.monotonic()
        level = measure_level(pipeline.instance, callers, ramp, steady)
        after, elapsed = pipeline.transcription_cpu(), time.monotonic() - started
        done_during = sum(1 for j in pipeline.journeys() if j.status == "ready")
    level.update(
        {
            "worker_cpu_cores": (after - before) / elapsed,
            "nice": nice,
            "backlog": backlog,
            "transcribed_by_end": done_during,
        }
    )
    return level


def verdict(f: dict) -> Result:
    server, client = f["server"], f["client"]
    errors = server["errors"] + client["errors"]
    met = server["p99_ms"] <= TARGET_P99_MS and errors == 0
    summary = (
        f"{f['callers']:,} callers with transcription workers at nice {f['nice']} using "
        f"{f['worker_cpu_cores']:.2f} cores: server p50 {server['p50_ms']} ms p99 {server['p99_ms']} ms "
        f"(client p99 {client['p99_ms']} ms), {errors} errors of {server['requests']} requests; web CPU "
        f"{server['web_cpu_ms_per_request']} ms/request; load average {f['load_average']}"
    )
    return Result(
        "B2 webhooks under transcription load",
        summary,
        f"p99 server time <= {TARGET_P99_MS} ms at {f['callers']:,} callers, zero errors",
        met,
        f,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=1000)
    parser.add_argument("--ramp", type=float, default=10.0)
    parser.add_argument("--steady", type=float, default=60.0)
    parser.add_argument("--nice", type=int, default=19, help="niceness of the transcription workers")
    parser.add_argument("--backlog", type=int, default=12, help="60 s recordings queued before measuring")
    args = parser.parse_args()
    finish(verdict(measure(args.callers, args.ramp, args.steady, args.nice, args.backlog)))


if __name__ == "__main__":
    main()
