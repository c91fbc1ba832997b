"""B4: recordings per hour per transcription worker, end to end: download from a loopback
Twilio-compatible server, convert, transcribe, tag and store, with one `chaupal worker audio` and
one `chaupal worker transcription` process; and the share of job time that is not speech decoding.
"""

import argparse
import time

from bench.common import Result, finish, load_average
from bench.pipeline import Pipeline

TARGET_OVERHEAD = 0.05


def measure(count: int, seconds: float, timeout: float) -> dict:
    with Pipeline() as pipeline:
        pipeline.make_clips([seconds])
        pipeline.start_workers(transcription=1, audio=1)
        pipeline.register(seconds)  # warm-up: the workers load the model and open connections
        pipeline.wait_for(1, timeout)
        started = time.time()
        for _ in range(count):
            pipeline.register(seconds)
        journeys = [j for j in pipeline.wait_for(count + 1, timeout) if j.registered >= started - 1]
        measured = {j.recording_id for j in journeys}
        audio_jobs = [t for rid, t in pipeline.job_seconds("audio").items() if rid in measured]
        transcription_jobs = [
            t for rid, t in pipeline.job_seconds("transcription").items() if rid in measured
        ]
    finished = [j for j in journeys if j.status == "ready"]
    last = max((j.transcribed for j in finished), default=time.time())
    return {
        "count": count,
        "seconds_each": seconds,
        "finished": len(finished),
        "failed": sum(1 for j in journeys if j.status == "failed"),
        "wall_seconds": last - started,
        "decode_seconds": sum(j.decode_seconds for j in finished),
        "audio_job_seconds": audio_jobs,
        "transcription_job_seconds": transcription_jobs,
        "tags": sum(j.tags for j in finished),
        "load_average": load_average(),
    }


def verdict(f: dict) -> Result:
    """Overhead = job time (download, convert, measure, tag, store) not spent decoding speech."""
    job_time = sum(f["audio_job_seconds"]) + sum(f["transcription_job_seconds"])
    overhead = (job_time - f["decode_seconds"]) / job_time if job_time else 1.0
    per_hour = 3600 * f["finished"] / f["wall_seconds"] if f["wall_seconds"] > 0 else 0.0
    per_job = (job_time - f["decode_seconds"]) / max(len(f["transcription_job_seconds"]), 1)
    n = max(len(f["transcription_job_seconds"]), 1)
    stages = {
        "audio_job": sum(f["audio_job_seconds"]) / n,
        "transcription_job": sum(f["transcription_job_seconds"]) / n,
        "decoding": f["decode_seconds"] / n,
    }
    f.update(
        {
            "overhead_share": overhead,
            "recordings_per_hour": per_hour,
            "overhead_seconds_per_job": per_job,
            "mean_seconds": stages,
        }
    )
    summary = (
        f"{per_hour:.0f} recordings/h per transcription worker ({f['seconds_each']:.0f} s recordings, "
        f"{f['finished']}/{f['count']} transcribed in {f['wall_seconds']:.0f} s, {f['failed']} failed); "
        f"non-decoding share of job time {100 * overhead:.1f}% ({per_job:.2f} s per recording: download and "
        f"convert {stages['audio_job']:.2f} s, transcription job {stages['transcription_job']:.2f} s of which "
        f"decoding {stages['decoding']:.2f} s); "
        f"load average {f['load_average']}"
    )
    met = overhead <= TARGET_OVERHEAD and f["finished"] == f["count"]
    return Result(
        "B4 recordings per hour",
        summary,
        f"non-transcription overhead <= {TARGET_OVERHEAD:.0%} of job time",
        met,
        f,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="recordings")
    parser.add_argument("--seconds", type=float, default=60, help="length of each recording")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    finish(verdict(measure(args.count, args.seconds, args.timeout)))


if __name__ == "__main__":
    main()
