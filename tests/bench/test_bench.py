"""The benchmark helpers with logic of their own, and the worker niceness option B2 relies on."""

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import asdict

from rq.job import Job

from bench import callers, webhook_cpu
from bench.b1_webhook_latency import parse_access_log, server_summary
from bench.common import percentile
from core import queue


def test_percentile_is_an_observed_value_by_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 99) == 5.0
    assert percentile(values, 1) == 1.0
    assert percentile([], 99) == 0.0


def test_access_log_lines_become_kind_status_and_milliseconds():
    text = "POST /ivr/voice 200 1500\nPOST /ivr/key/menu 403 800\ngarbage line\nPOST /ivr/status 200 x\n"
    rows = parse_access_log(text)
    assert rows == [("voice", 200, 1.5), ("key", 403, 0.8)]
    summary = server_summary(rows)
    assert summary["requests"] == 2 and summary["errors"] == 1 and summary["p99_ms"] == 1.5


def test_simulated_callers_listen_then_rate_or_record_then_keep_and_hang_up():
    assert callers.choose_key("menu", {}, "listen", done=False) == "1"
    assert callers.choose_key("menu", {}, "record", done=False) == "3"
    assert callers.choose_key("menu", {}, "record", done=True) == callers.HANG_UP
    assert callers.choose_key("play", {}, "listen", done=False) is None
    assert callers.choose_key("after", {}, "listen", done=False) == "1"
    assert callers.choose_key("after", {"rated": ["1"]}, "listen", done=True) == callers.HANG_UP
    assert callers.choose_key("somewhere-new", {}, "listen", done=False) == "*"


def test_worker_nice_option_lowers_the_priority_of_its_jobs(app):
    job = queue.get_queue("default").enqueue("os.nice", 0)  # a job that returns its own niceness
    env = {
        **os.environ,
        "CHAUPAL_ENV": "testing",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    command = [
        sys.executable,
        "-m",
        "core.cli",
        "worker",
        "default",
        "--burst",
        "--no-scheduler",
        "--nice",
        "7",
    ]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    done = Job.fetch(job.id, connection=queue.redis_connection(), serializer=job.serializer)
    assert done.return_value() == min(os.nice(0) + 7, 19)


def test_the_report_is_rebuilt_and_keeps_its_analysis_and_the_rows_not_run_again(tmp_path, monkeypatch):
    from bench import common

    monkeypatch.setattr(common, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(common, "REPORT", tmp_path / "benchmarks.md")
    common.RESULTS.mkdir()
    result = common.Result("B9 example", "42 things", "at least 40", True)
    (common.RESULTS / "B9.json").write_text(json.dumps(asdict(result)))
    common.REPORT.write_text(
        "# Benchmarks\n\n| Benchmark | Result | Target | Met |\n|---|---|---|---|\n"
        "| B1 old | 1 thing | 2 | **no** |\n| B9 example | 40 things | at least 40 | yes |\n\n"
        "## Analysis\n\nWhy the figures are what they are.\n"
    )
    report = common.write_report().read_text()
    assert "| B9 example | 42 things | at least 40 | yes |" in report and "40 things" not in report
    kept = "| B1 old | 1 thing | 2 | **no** |"  # not run again: kept, in order
    assert report.index(kept) < report.index("| B9 example")
    assert report.count("| Benchmark | Result | Target | Met |") == 1
    assert report.count("## Analysis") == 1 and report.endswith("Why the figures are what they are.\n")


def test_dispatch_figures_count_the_busiest_second_and_every_full_minute():
    from bench.b6_campaign_dispatch import busiest, window_counts

    times = [0.0, 0.5, 0.99, 1.0, 1.2, 61.0, 61.5]
    assert busiest(times, 1.0) == 4  # 0.5, 0.99, 1.0 and 1.2 fall inside one second
    assert window_counts(times) == [5, 2]  # [0, 60) and [1, 61)
    assert window_counts([0.0, 10.0]) == [2]  # shorter than a minute: one partial window


def test_webhook_floor_checks_the_signature_writes_once_and_answers_twiml(tmp_path):
    token = "floor-token"
    client = webhook_cpu.SignedClient(webhook_cpu.floor_app(token, tmp_path / "floor.db"), token)
    webhook_cpu.floor_call(client, "+919800000001", 3)
    assert len(client.cpu) == 3
    forged = client.client.post("/ivr/key/menu", data={"Digits": "1"}, headers={"X-Twilio-Signature": "x"})
    assert forged.status_code == 403
    assert sqlite3.connect(tmp_path / "floor.db").execute("SELECT count(*) FROM hits").fetchone() == (3,)


def test_the_bench_command_lists_its_benchmarks_and_refuses_unknown_names():
    from bench.__main__ import BENCHMARKS

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    usage = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 0 and "usage: python -m bench" in usage.stdout
    assert all(f"{name} " in usage.stdout and module in usage.stdout for name, module in BENCHMARKS.items())
    wrong = subprocess.run(
        [sys.executable, "-m", "bench", "b6", "B99"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2 and "unknown benchmark B99" in wrong.stderr
    assert not (wrong.stdout and "report:" in wrong.stdout)  # nothing was run, the report not rewritten


def test_the_analytics_benchmark_seeds_its_database_through_the_chaupal_command(tmp_path):
    from bench import b8_analytics_pages

    url = f"sqlite:///{tmp_path / 'b8.db'}"
    assert b8_analytics_pages.seed_if_empty(url, 500) > 0
    assert b8_analytics_pages.seed_if_empty(url, 500) == 0  # the calls are there now: left as they are
