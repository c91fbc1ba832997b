"""B11 in small: the roles of several machines on one box lose no recording and double no send.

Two web instances behind a proxy, separate workers, PostgreSQL, one Redis and the S3-compatible
store, run by the benchmark itself (bench/b11_scale_out.py) with a few calls and a small campaign.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
        reason="the scale-out run needs PostgreSQL: it runs in the PostgreSQL pass of the suite",
    ),
]


def test_calls_and_a_campaign_across_two_web_instances_and_separate_workers(tmp_path):
    # Enough recipients that the campaign is still sending when the second worker has joined (one
    # batched worker sends about 20 a second here: 150 were gone before the second measurement).
    small = ["--calls", "12", "--recipients", "600", "--callers", "6", "--measure", "3", "--timeout", "300"]
    env = {**os.environ, "CHAUPAL_BENCH_RESULTS": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "bench.b11_scale_out", *small],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    figures = json.loads((tmp_path / "B11.json").read_text())["figures"]
    takes, sends, calls = figures["recordings"], figures["sends"], figures["calls"]
    assert calls["calls"] >= 12 and calls["webhook_errors"] == 0
    assert len(calls["connections_per_web_instance"]) == 2 and min(calls["connections_per_web_instance"]) > 0
    assert takes["registered"] > 0 and takes["stored_in_s3"] == takes["transcribed"] == takes["registered"]
    assert sends["sent"] == 600 and sends["duplicates"] == 0
    assert figures["campaign_scaling"]["per_added_worker"] > 0
