"""The demo made on first start: what cannot be made is said on the console, not only in a log."""

import csv
import os
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from audio import starter
from core import cli
from core.seed import SEED_DATA


def test_first_start_says_on_the_console_which_demo_part_could_not_be_made(app, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    cli.seed_on_first_run(app)
    out = capsys.readouterr().out
    assert (
        "Demo: espeak-ng is not installed: the starter lessons have no offline audio (run scripts/setup)\n"
        in out
    )
    assert "Demo: espeak-ng is not installed: no demo stories or answered question were made\n" in out
    assert "Demo staff accounts" in out


def test_the_run_command_installs_espeak_ng_with_the_other_system_packages():
    setup = (cli.settings.ROOT / "scripts" / "setup").read_text()
    assert "system_packages=(ffmpeg espeak-ng)" in setup


def chaupal(instance: Path, *args: str) -> subprocess.CompletedProcess:
    """The chaupal command on a fresh machine's defaults: SQLite, media and the sandbox in `instance`."""
    env = {**os.environ, "CHAUPAL_ENV": "development", "INSTANCE_PATH": str(instance)}
    for name in CONFIGURED_ELSEWHERE:
        env.pop(name, None)
    command = [sys.executable, "-m", "core.cli", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


CONFIGURED_ELSEWHERE = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "MEDIA_DIR",
    "PUBLIC_BASE_URL",
    "TTS_OFFLINE",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
)
ROOT = Path(__file__).resolve().parents[2]
MEDIA_URL = re.compile(r"♪ http://127\.0\.0\.1:5000/media/(lessons/\S+?)\?")


@pytest.fixture(scope="module")
def fresh_instance(tmp_path_factory) -> Path:
    """A clean instance folder after the run command's set-up path (migrations, demo, starter library)."""
    instance = tmp_path_factory.mktemp("fresh-instance")
    result = chaupal(instance, "up", "--setup-only")
    assert result.returncode == 0, result.stderr
    assert "Demo staff accounts" in result.stdout and "Demo:" not in result.stdout
    return instance


def first_starter_lesson(language: str) -> tuple[str, starter.Script]:
    """The topic a caller hears first in the topic list, and the first starter lesson in it."""
    library = starter.scripts()
    with (SEED_DATA / "topics.csv").open(encoding="utf-8") as rows:
        topics = [row for row in csv.DictReader(rows)]
    for topic in topics:
        found = [s[language] for s in library.values() if s[language].topic == topic["slug"]]
        if found:
            return topic[f"name_{language}"], found[0]
    raise AssertionError("no starter lesson has a topic")


@pytest.mark.parametrize(
    ("caller", "language", "finished"),
    [("+919800000001", "hi", "यह पूरा हुआ।"), ("+919800000004", "en", "You have heard it all.")],
)
def test_a_call_on_the_fresh_demo_reaches_a_starter_lesson_and_hears_its_segments(
    fresh_instance, caller, language, finished
):
    topic, lesson = first_starter_lesson(language)
    silences = ["--silence"] * len(lesson.segments)
    # key 1 on the main menu is the caller's next lesson: the first of the first topic that has any
    result = chaupal(fresh_instance, "call", "--caller", caller, "--press", "1", *silences, "--hangup")
    assert result.returncode == 0, result.stderr + result.stdout
    assert lesson.title in result.stdout
    keys = MEDIA_URL.findall(result.stdout)
    assert len(keys) == len(set(keys)) == len(lesson.segments)
    for key in keys:  # each segment is the espeak-ng rendering of its words, kept in the instance's media
        with wave.open(str(fresh_instance / "media" / key)) as wav:
            assert wav.getnframes() / wav.getframerate() > 5
    assert result.stdout.index(keys[-1]) < result.stdout.index(finished)
