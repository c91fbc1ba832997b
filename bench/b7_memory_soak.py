"""B7: memory soak: one `chaupal worker transcription` fed recordings at 70% of its measured
capacity for a set time (30 minutes by default); resident memory of the worker and of its
work-horses, sampled every 2 s, compared between the start (after warm-up) and the end.
"""

import argparse
import time

from bench.common import Result, finish, load_average, process_tree, rss_mb
from bench.pipeline import Pipeline

TARGET_DRIFT = 0.10
CLIP_SECONDS = 30.0


def sample(worker: int) -> tuple[float, float]:
    """(resident MB of the worker process, of its largest work-horse at this moment)."""
    horses = [pid for pid in process_tree(worker) if pid != worker]
    return rss_mb(worker), max((rss_mb(pid) for pid in horses), default=0.0)


def drift(values: list[float]) -> tuple[float, float, float]:
    """(mean of the first fifth, mean of the last fifth, relative change) of a series of samples."""
    fifth = max(len(values) // 5, 1)
    first, last = sum(values[:fifth]) / fifth, sum(values[-fifth:]) / fifth
    return first, last, (last - first) / first if first else 0.0


def measure(minutes: float, load_share: float) -> dict:
    with Pipeline() as pipeline:
        pipeline.make_clips([CLIP_SECONDS])
        pipeline.start_workers(transcription=1, audio=1)
        for _ in range(2):  # warm-up, and the worker's capacity on this machine right now
            pipeline.register(CLIP_SECONDS)
        pipeline.wait_for(2, 600)
        job = sum(pipeline.job_seconds("transcription").values()) / 2
        interval = job / load_share
        worker, samples, registered = pipeline.transcription_pids[0], [], 0
        started = next_at = time.monotonic()
        while time.monotonic() - started < minutes * 60:
            if time.monotonic() >= next_at:
                pipeline.register(CLIP_SECONDS)
                registered, next_at = registered + 1, next_at + interval
            samples.append((time.monotonic() - started, *sample(worker)))
            time.sleep(2)
        journeys = pipeline.wait_for(registered + 2, 600)
    busy = [s for s in samples if s[2] > 0]
    return {
        "minutes": minutes,
        "load_share": load_share,
        "job_seconds": job,
        "interval": interval,
        "registered": registered,
        "transcribed": sum(1 for j in journeys if j.status == "ready") - 2,
        "worker_rss": [s[1] for s in samples],
        "horse_rss": [s[2] for s in busy],
        "load_average": load_average(),
    }


def verdict(f: dict) -> Result:
    w_first, w_last, w_drift = drift(f["worker_rss"])
    h_first, h_last, h_drift = drift(f["horse_rss"])
    worst = max(w_drift, h_drift)
    f.update({"worker_drift": w_drift, "horse_drift": h_drift})
    summary = (
        f"{f['minutes']:.0f} min at {f['load_share']:.0%} of capacity ({f['registered']} x {CLIP_SECONDS:.0f} s "
        f"recordings, one every {f['interval']:.1f} s; {f['transcribed']} transcribed): worker RSS "
        f"{w_first:.0f} -> {w_last:.0f} MB ({100 * w_drift:+.1f}%), work-horse RSS {h_first:.0f} -> "
        f"{h_last:.0f} MB ({100 * h_drift:+.1f}%); load average {f['load_average']}"
    )
    met = worst <= TARGET_DRIFT and f["transcribed"] == f["registered"]
    return Result(
        "B7 memory soak", summary, f"resident memory drift after warm-up <= {TARGET_DRIFT:.0%}", met, f
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--load", type=float, default=0.7, help="share of the worker's capacity to use")
    args = parser.parse_args()
    finish(verdict(measure(args.minutes, args.load)))


if __name__ == "__main__":
    main()
