"""An audio (or transcription) worker in its own process, for tests that kill, starve or measure it.

    python -m tests.audio_worker SETTINGS.json [--burst] [--queue NAME]

SETTINGS.json holds the app's configuration (the test app's database, Redis, media folder and Twilio
server). RQ's timings are short so a killed worker's job is found abandoned within about a minute.
CHAUPAL_TEST_TOOL_TIMEOUT (seconds) shortens the ffmpeg/ffprobe limits. In burst mode the last line
printed is JSON with the peak memory of the worker and of its work-horses (and their ffmpeg).
A transcription worker preloads its speech model before forking, as `chaupal worker` does.
"""

import json
import os
import resource
import sys
from pathlib import Path

from audio import convert
from core import queue
from core.app import create_app
from core.cli import preload

FAST_RQ = {"worker_ttl": 16, "maintenance_interval": 1, "job_monitoring_interval": 1}


def main(argv: list[str]) -> None:
    settings = json.loads(Path(argv[0]).read_text())
    if os.environ.get("CHAUPAL_TEST_TOOL_TIMEOUT"):
        convert.TOOL_TIMEOUT_SECONDS = float(os.environ["CHAUPAL_TEST_TOOL_TIMEOUT"])
        convert.PROBE_TIMEOUT_SECONDS = convert.TOOL_TIMEOUT_SECONDS
    burst = "--burst" in argv
    queues = [argv[argv.index("--queue") + 1]] if "--queue" in argv else ["audio"]
    app = create_app(settings)
    preload(app, queues)
    worker = queue.make_worker(app, queues, **FAST_RQ)
    worker.work(burst=burst, with_scheduler=not burst)
    usage = {
        "worker_max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "horse_max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    print(json.dumps(usage), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
