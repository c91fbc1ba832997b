"""Reliability battery for caller recordings: bad audio, bounded memory, hanging tools, killed workers, lost Redis.

Every guarantee prints a figure ("FIGURE <name>: <value>") and appends it to figures.json in the run's
temporary folder; README's "Guarantees: audio" section quotes the last measured values. The slow tests
(-m slow) kill workers and wait for RQ to notice, or process hour-long files.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from audio import (
    recording_pipeline,
    store,
)
from audio.models import Recording
from core import queue
from core.config import ROOT
from core.db import db, utcnow
from tests.transcription_fixtures import KOREAN_SPEECH, make_ready_recording, speech_wav
from transcription.models import Transcript

WORKER_SETTINGS = [
    "CHAUPAL_ENV",
    "INSTANCE_PATH",
    "DATABASE_URL",
    "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_CALLER_ID",
    "TWILIO_API_BASE_URL",
    "MEDIA_DIR",
    "MAX_RECORDING_SECONDS",
    "VOSK_MODELS",
    "VOSK_FALLBACK_LANGUAGE",
    "VOSK_DEMO_MODEL",
]
MEMORY_BOUND_MB = 300


# --- processes ---


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent pid, process group, command line) of every process on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        found.append((int(entry.name), int(fields[1]), int(fields[2]), command))
    return found


def commands_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention text (a test folder: fake tools, media files)."""
    return [command for pid, _, _, command in processes() if text in command and pid != os.getpid()]


def wait_for(condition, timeout: float, interval: float = 0.1):
    """Poll until condition() is truthy; its last value (falsy if the time ran out)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class WorkerProcess:
    """`python -m tests.audio_worker` on the test app's database, Redis, media folder and Twilio server."""

    def __init__(self, app, folder: Path, env: dict | None = None, burst: bool = False, queue_name="audio"):
        folder.mkdir(parents=True, exist_ok=True)
        settings = folder / "settings.json"
        settings.write_text(json.dumps({name: app.config[name] for name in WORKER_SETTINGS}))
        self.log = folder / f"worker-{time.monotonic_ns()}.log"
        self.queue_name = queue_name
        command = [sys.executable, "-m", "tests.audio_worker", str(settings), "--queue", queue_name]
        command += ["--burst"] if burst else []
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def busy(self) -> bool:
        """Running a job: in a work-horse, or in its own process for the queues that do not fork."""
        return bool(self.horses()) or self.queue_name in queue.IN_PROCESS_QUEUES

    def horses(self) -> list[int]:
        """Work-horses: children of the worker that lead their own process group."""
        return [pid for pid, parent, group, _ in processes() if parent == self.process.pid and group == pid]

    def kill(self) -> None:
        """SIGKILL the worker's process group (worker and scheduler), then its work-horse: a machine dying."""
        horses = self.horses()
        os.killpg(self.process.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def finish(self, timeout: float = 110) -> dict:
        """Wait for a burst worker to exit; its peak memory report."""
        self.process.wait(timeout)
        return json.loads(self.log.read_text().strip().splitlines()[-1])

    def stop(self) -> None:
        queue.stop_process(self.process, timeout=5)


@pytest.fixture
def spawn_worker(app, tmp_path):
    """spawn_worker(env=None, burst=False, queue_name="audio") -> a running WorkerProcess, stopped at the end."""
    started = []

    def spawn(env: dict | None = None, burst: bool = False, queue_name: str = "audio") -> WorkerProcess:
        environment = {"TMPDIR": str(scratch(tmp_path)), **(env or {})}
        worker = WorkerProcess(app, tmp_path / "workers", environment, burst, queue_name)
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        worker.stop()


def scratch(tmp_path: Path) -> Path:
    """The temporary folder (TMPDIR) of the test's worker processes."""
    folder = tmp_path / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def fake_tool(folder: Path, name: str, seconds: float, then_run: str | None = None) -> Path:
    """An executable `name` that notes it started, sleeps, then runs the real tool (or nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    finish = f"os.execv({then_run!r}, [{name!r}, *sys.argv[1:]])" if then_run else "sys.exit(1)"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        f"open(os.path.join({str(folder)!r}, {name!r} + '.started'), 'a').write('x')\n"
        f"time.sleep({seconds})\n"
        f"{finish}\n"
    )
    script.chmod(0o755)
    return script


def path_with(folder: Path) -> dict:
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


# --- recordings ---


def sid(number: int) -> str:
    return f"RE{number:032x}"


def register(twilio_server, number: int, data: bytes, trickle_seconds: float = 0.0, **fields) -> Recording:
    url = twilio_server.add_recording(sid(number), (200, data), trickle_seconds=trickle_seconds)
    recording, _ = recording_pipeline.register_recording(sid(number), source_url=url, **fields)
    return recording


def reload(recording_id: int) -> Recording:
    db.session.rollback()  # a fresh snapshot, and no open read that would hold up the worker's writes
    recording = db.session.get(Recording, recording_id)
    db.session.commit()
    return recording


def finished(*recording_ids: int) -> bool:
    states = [reload(recording_id).status for recording_id in recording_ids]
    return all(state in (Recording.READY, Recording.FAILED) for state in states)


def output_files(recording_id: int) -> list[str]:
    return [key.rsplit("/", 1)[1] for key in store.keys(f"recordings/{recording_id}/")]


def stray_files(app, tmp_path: Path) -> list[str]:
    """Half-written files in the media folder and scratch folders left in the workers' TMPDIR."""
    media = [str(path) for path in Path(app.config["MEDIA_DIR"]).rglob(".tmp-*")]
    return media + [str(path) for path in scratch(tmp_path).glob(f"{store.SCRATCH_PREFIX}*")]


def transcription_job_ids() -> list[int]:
    return sorted(job.args[0] for job in queue.get_queue("transcription").jobs)


# --- generated files ---


def wav_with_chunk_size(data: bytes, chunk: bytes, size: int) -> bytes:
    """The WAV with the size field of its first `chunk` chunk replaced."""
    at = data.index(chunk) + 4
    return data[:at] + struct.pack("<I", size) + data[at + 4 :]


def corrupt_chunk_wav(data: bytes) -> bytes:
    """A WAV whose extra chunk before the samples claims to be 4 GB long."""
    fmt_end = data.index(b"fmt ") + 8 + struct.unpack("<I", data[data.index(b"fmt ") + 4 :][:4])[0]
    samples = data[data.index(b"data") :]
    body = data[12:fmt_end] + b"LIST" + struct.pack("<I", 0xFFFFFFF0) + b"INFO" + samples
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments], check=True, timeout=120)


def silent_flac(folder: Path, minutes: int) -> Path:
    """Digital silence, 48 kHz stereo, as FLAC: a few hundred kB that decode to minutes x 11.5 MB."""
    target = folder / f"silence-{minutes}min.flac"
    if not target.exists():
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-t",
            str(minutes * 60),
            "-c:a",
            "flac",
            str(target),
        )
    return target


def repeated_speech(audio_files, minutes: int) -> Path:
    """The speech fixture (8 kHz mono 16-bit, like Twilio's) repeated for about that many minutes."""
    target = audio_files.speech_wav.parent / f"speech-{minutes}min.wav"
    if not target.exists():
        repeats = int(minutes * 60 / 4.4)
        subprocess.run(["sox", str(audio_files.speech_wav), str(target), "repeat", str(repeats)], check=True)
    return target


def long_mp3(audio_files, minutes: int) -> Path:
    target = audio_files.speech_wav.parent / f"speech-{minutes}min.mp3"
    if not target.exists():
        ffmpeg("-i", str(repeated_speech(audio_files, minutes)), "-b:a", "16k", str(target))
    return target


# --- 1. malformed audio corpus through the real fetch job ---


def corpus(audio_files, media_fixtures: Path) -> dict[str, tuple[bytes, str, str]]:
    """kind -> (bytes Twilio serves, expected status, expected reason or flags)."""
    speech, mp3 = audio_files.speech_wav.read_bytes(), audio_files.speech_mp3.read_bytes()
    header = speech[: speech.index(b"data") + 8]
    return {
        "zero bytes": (b"", Recording.FAILED, Recording.EMPTY),
        "0-sample WAV": (audio_files.header_only_wav.read_bytes(), Recording.FAILED, Recording.EMPTY),
        "header only, claims 4 s": (header, Recording.FAILED, Recording.EMPTY),
        "truncated WAV": (audio_files.truncated_wav.read_bytes(), Recording.READY, Recording.TRUNCATED),
        "WAV claiming 4 GB of samples": (
            wav_with_chunk_size(speech, b"data", 0xFFFFFFF0),
            Recording.READY,
            Recording.TRUNCATED,
        ),
        "WAV with a corrupt chunk size": (corrupt_chunk_wav(speech), Recording.FAILED, Recording.NOT_AUDIO),
        "truncated MP3": (mp3[: len(mp3) * 2 // 3], Recording.READY, Recording.TRUNCATED),
        "MP3 cut inside its first frame": (mp3[:100], Recording.FAILED, Recording.NOT_AUDIO),
        "PNG renamed .wav": (audio_files.png_as_wav.read_bytes(), Recording.FAILED, Recording.NOT_AUDIO),
        "random bytes": (audio_files.random_bytes_wav.read_bytes(), Recording.FAILED, Recording.NOT_AUDIO),
        "digital silence": (audio_files.silence_wav.read_bytes(), Recording.FAILED, Recording.SILENCE),
        "line hiss, nothing said": (
            audio_files.quiet_noise_wav.read_bytes(),
            Recording.FAILED,
            Recording.SILENCE,
        ),
        "too short (0.5 s)": (audio_files.short_wav.read_bytes(), Recording.FAILED, Recording.TOO_SHORT),
        "unknown codec": (
            audio_files.unknown_codec_wav.read_bytes(),
            Recording.FAILED,
            Recording.DECODE_FAILED,
        ),
        "small file decoding to 115 MB (10 min 48 kHz stereo FLAC)": (
            silent_flac(media_fixtures, 10).read_bytes(),
            Recording.FAILED,
            Recording.SILENCE,
        ),
        "over-long (10 min)": (
            repeated_speech(audio_files, 10).read_bytes(),
            Recording.READY,
            Recording.TOO_LONG,
        ),
        "over-long MP3 (5 min)": (
            long_mp3(audio_files, 5).read_bytes(),
            Recording.READY,
            Recording.TOO_LONG,
        ),
        "stereo 44.1 kHz (unusual, valid)": (audio_files.stereo_44k_wav.read_bytes(), Recording.READY, ""),
    }


def outcome(recording: Recording) -> tuple[str, str]:
    return recording.status, recording.reason if recording.status == Recording.FAILED else recording.flags


def test_every_kind_of_malformed_audio_ends_in_its_reason(
    app, work, twilio_server, audio_files, media_fixtures, record_figure
):
    kinds = corpus(audio_files, media_fixtures)
    ids = {
        kind: register(twilio_server, number, data).id
        for number, (kind, (data, _, _)) in enumerate(kinds.items(), start=1)
    }
    work("audio")
    results = {kind: outcome(reload(ids[kind])) for kind in kinds}
    assert results == {kind: (status, expected) for kind, (_, status, expected) in kinds.items()}
    for kind, (data, _, _) in kinds.items():
        recording = reload(ids[kind])
        assert recording.status == Recording.READY or recording.reason_detail, kind
        original = store.read_bytes(recording.original_key)  # nothing is lost...
        assert data.startswith(original) and len(original) >= min(len(data), 4 * 16000 * 120), kind
    # ...and no job died with an unhandled exception.
    assert queue.get_queue("audio").failed_job_registry.count == 0
    record_figure("audio.malformed_kinds_covered", len(kinds))


def test_a_trickling_download_gives_up_with_a_reason(app, work, twilio_server, audio_files, monkeypatch):
    from audio import fetch

    monkeypatch.setattr(fetch, "DOWNLOAD_SECONDS", 0.5)
    monkeypatch.setattr(recording_pipeline, "FETCH_RETRY_INTERVALS", [0])  # one retry, at once
    recording = register(twilio_server, 1, audio_files.speech_wav.read_bytes(), trickle_seconds=3)
    work("audio")
    recording = reload(recording.id)
    assert (recording.status, recording.reason, recording.attempts) == (
        Recording.FAILED,
        Recording.DOWNLOAD_FAILED,
        2,
    )
    assert recording.reason_detail.startswith("download too slow")


# --- 3. a hanging ffmpeg ---


@pytest.mark.parametrize("hanging", ["ffprobe", "ffmpeg"])
def test_a_hanging_decoder_fails_the_job_with_a_timeout_and_leaves_no_process(
    app, twilio_server, audio_files, spawn_worker, tmp_path, record_figure, hanging
):
    tools = tmp_path / "fake-tools"
    fake_tool(tools, hanging, seconds=600)
    recording = register(twilio_server, 1, audio_files.speech_mp3.read_bytes())  # not WAV: needs the tools
    spawn_worker({**path_with(tools), "CHAUPAL_TEST_TOOL_TIMEOUT": "2"})
    assert wait_for(lambda: (tools / f"{hanging}.started").exists(), 120)
    started = time.monotonic()
    assert wait_for(lambda: finished(recording.id), 120)
    seconds = time.monotonic() - started
    recording = reload(recording.id)
    assert (recording.status, recording.reason) == (Recording.FAILED, Recording.DECODE_TIMEOUT)
    assert recording.reason_detail == f"{hanging} timed out after 2 s"
    assert store.read_bytes(recording.original_key) == audio_files.speech_mp3.read_bytes()
    assert commands_mentioning(str(tools)) == []
    record_figure(f"audio.hanging_{hanging}_seconds_to_fail (limit 2 s)", round(seconds, 1))


# --- 5. Redis down when a recording arrives, Redis killed with jobs queued ---


@pytest.fixture
def own_redis(app, tmp_path, monkeypatch):
    """The app pointed at its own embedded Redis (AOF on, as documented), which the test may kill."""
    server = OwnRedis(tmp_path / "own-redis")
    monkeypatch.setitem(app.config, "REDIS_URL", queue.embedded_url(server.folder))
    yield server
    queue.stop_process(server.process)


class OwnRedis:
    """An embedded Redis-compatible server started with the project's persistence settings."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process = queue.start_embedded(folder)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def restart(self) -> None:
        self.process = queue.start_embedded(self.folder)


def test_recordings_arriving_while_redis_is_down_are_kept_and_fetched_when_it_returns(
    app, work, twilio_server, audio_files, own_redis, record_figure
):
    own_redis.kill()
    recordings = [register(twilio_server, n, audio_files.speech_wav.read_bytes()) for n in range(1, 6)]
    assert [reload(r.id).status for r in recordings] == [Recording.PENDING] * 5  # committed, not lost
    own_redis.restart()
    assert queue.get_queue("audio").count == 0  # the jobs were never enqueued
    db.session.execute(
        db.update(Recording).values(updated_at=utcnow() - recording_pipeline.PENDING_DEADLINE * 2)
    )
    db.session.commit()
    assert sorted(recording_pipeline.sweep_stuck_recordings()) == [r.id for r in recordings]
    work("audio")
    ready = sum(reload(r.id).status == Recording.READY for r in recordings)
    assert ready == 5
    record_figure("audio.recordings_kept_through_redis_outage", f"{ready}/5")


def enqueue_fetches(count: int, first: int) -> set[str]:
    audio = queue.get_queue("audio")
    return {audio.enqueue("audio.jobs.fetch_recording", first + n).id for n in range(count)}


def surviving(job_ids: set[str]) -> int:
    audio = queue.get_queue("audio")
    return len(job_ids & set(audio.job_ids))


def test_queued_jobs_survive_a_redis_sigkill_with_the_documented_persistence(app, own_redis, record_figure):
    settled = enqueue_fetches(500, first=1)
    time.sleep(1.5)  # past appendfsync everysec
    latest = enqueue_fetches(100, first=1000)  # acknowledged just before the kill
    own_redis.kill()
    own_redis.restart()
    assert surviving(settled) == 500
    record_figure("audio.queued_jobs_surviving_redis_sigkill_after_1_5_s", f"{surviving(settled)}/500")
    # A process kill leaves the kernel's copy of the log intact; only a machine crash loses the last second.
    record_figure("audio.queued_jobs_surviving_redis_sigkill_at_once", f"{surviving(latest)}/100")


# --- 2. peak memory and time for an hour of audio ---


def hour_long(kind: str, audio_files, media_fixtures: Path) -> tuple[bytes, str, str]:
    """The served bytes of each hour-long input, with the outcome expected."""
    if kind == "60-minute WAV recording":
        return repeated_speech(audio_files, 60).read_bytes(), Recording.READY, Recording.TOO_LONG
    if kind == "60-minute MP3 recording":
        return long_mp3(audio_files, 60).read_bytes(), Recording.READY, Recording.TOO_LONG
    return silent_flac(media_fixtures, 60).read_bytes(), Recording.FAILED, Recording.SILENCE


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    ["60-minute WAV recording", "60-minute MP3 recording", "1-hour 48 kHz stereo FLAC (606 kB -> 691 MB)"],
)
def test_an_hour_of_audio_is_processed_in_bounded_memory(
    app, twilio_server, audio_files, media_fixtures, spawn_worker, record_figure, kind
):
    data, status, expected = hour_long(kind, audio_files, media_fixtures)
    recording = register(twilio_server, 1, data, reported_seconds=3600)
    started = time.monotonic()
    usage = spawn_worker(burst=True).finish()
    seconds = time.monotonic() - started
    recording = reload(recording.id)
    assert outcome(recording) == (status, expected)
    if status == Recording.READY:
        assert recording.duration_seconds == pytest.approx(
            float(app.config["MAX_RECORDING_SECONDS"]), abs=0.1
        )
    peak_mb = usage["horse_max_rss_kb"] / 1024
    assert peak_mb < MEMORY_BOUND_MB
    record_figure(f"audio.peak_rss_mb[{kind}]", round(peak_mb))
    record_figure(f"audio.worker_seconds_incl_startup[{kind}]", round(seconds, 1))


# --- 4. workers killed mid-job ---


def decoders_running(*folders: Path) -> list[str]:
    """ffmpeg/ffprobe processes (real or fake) working on files under the folders."""
    names = ("ffmpeg", "ffprobe")
    return [
        command
        for folder in folders
        for command in commands_mentioning(str(folder))
        if any(name in command for name in names)
    ]


def kill_when(condition, worker: WorkerProcess) -> float:
    """SIGKILL the worker and its work-horse once condition() holds; the moment of the kill."""
    assert wait_for(condition, 120)
    assert worker.busy(), "the worker should be running the job"
    worker.kill()
    return time.monotonic()


def assert_finished_once(app, tmp_path: Path, *recordings: Recording) -> None:
    """Each recording ready with one set of files; no half-written files, scratch folders or decoders."""
    for recording in recordings:
        recording = reload(recording.id)
        assert (recording.status, recording.flags) == (Recording.READY, "")
        assert output_files(recording.id) == ["original.wav", "playback.wav", "recognition.wav"]
    assert stray_files(app, tmp_path) == []
    assert decoders_running(tmp_path, Path(app.config["MEDIA_DIR"])) == []
    assert transcription_job_ids() == sorted(recording.id for recording in recordings)


def test_a_rerun_removes_the_partial_files_a_killed_attempt_left(
    app, work, twilio_server, audio_files, tmp_path, monkeypatch
):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead, alive = (f"{pid}-{socket.gethostname()}-" for pid in (gone.pid, os.getpid()))
    recording = register(twilio_server, 1, audio_files.speech_wav.read_bytes())
    folder = Path(app.config["MEDIA_DIR"]) / "recordings" / str(recording.id)
    folder.mkdir(parents=True)
    (folder / f"{store.PARTIAL_PREFIX}{dead}a1").write_bytes(b"half a file")
    (folder / f"{store.PARTIAL_PREFIX}{alive}b2").write_bytes(b"still being written")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch(tmp_path)))  # the work-horse's TMPDIR
    (scratch(tmp_path) / f"{store.SCRATCH_PREFIX}{dead}c3").mkdir()
    work("audio")
    assert reload(recording.id).status == Recording.READY
    names = ["original.wav", "playback.wav", "recognition.wav", f"{store.PARTIAL_PREFIX}{alive}b2"]
    assert sorted(path.name for path in folder.iterdir()) == sorted(names)
    assert list(scratch(tmp_path).iterdir()) == []


@pytest.mark.slow
def test_a_worker_killed_mid_download_and_mid_conversion_runs_each_job_again_once(
    app, twilio_server, audio_files, spawn_worker, tmp_path, record_figure
):
    slow_tools = tmp_path / "slow-tools"
    fake_tool(slow_tools, "ffmpeg", seconds=30, then_run=shutil.which("ffmpeg"))
    downloading = register(twilio_server, 1, audio_files.speech_wav.read_bytes(), trickle_seconds=8)
    kill_when(lambda: sid(1) in twilio_server.downloads, spawn_worker())
    converting = register(twilio_server, 2, audio_files.speech_mp3.read_bytes())  # MP3: converted by ffmpeg
    killed_at = kill_when(
        lambda: (slow_tools / "ffmpeg.started").exists(), spawn_worker(path_with(slow_tools))
    )
    assert wait_for(lambda: decoders_running(slow_tools) == [], 20)  # ffmpeg died with its work-horse
    assert stray_files(app, tmp_path)  # the killed jobs left their scratch folders
    spawn_worker()  # RQ finds the jobs abandoned once their heartbeat lapses, and retries them
    assert wait_for(lambda: finished(downloading.id, converting.id), 150, interval=1)
    seconds = time.monotonic() - killed_at
    assert_finished_once(app, tmp_path, downloading, converting)
    assert [reload(downloading.id).attempts, reload(converting.id).attempts] == [2, 2]
    assert [twilio_server.downloads.count(sid(1)), twilio_server.downloads.count(sid(2))] == [2, 1]
    record_figure("audio.killed_worker_jobs_finished_once", "2/2 (mid-download, mid-conversion)")
    record_figure("audio.killed_worker_seconds_to_recovery", round(seconds))


def transcript_states(recording_id: int) -> list[str]:
    db.session.rollback()
    states = db.session.scalars(select(Transcript.status).filter_by(recording_id=recording_id)).all()
    db.session.commit()
    return list(states)


@pytest.mark.slow
@pytest.mark.usefixtures("test_model")
def test_a_worker_killed_mid_transcription_runs_the_job_again_and_keeps_one_transcript(
    app, media_fixtures, spawn_worker, tmp_path, record_figure
):
    long_speech = tmp_path / "long-speech.wav"
    speech = speech_wav(media_fixtures, KOREAN_SPEECH)
    subprocess.run(["sox", str(speech), str(long_speech), "repeat", "24"], check=True, timeout=60)
    recording = make_ready_recording(long_speech)  # about two minutes: decoding takes a while
    assert queue.enqueue_now("transcription", "transcription.jobs.transcribe_recording", recording.id)
    killed_at = kill_when(
        lambda: transcript_states(recording.id) == [Transcript.PENDING],
        spawn_worker(queue_name="transcription"),
    )
    assert transcript_states(recording.id) == [Transcript.PENDING]  # killed before it could finish
    spawn_worker(queue_name="transcription")
    assert wait_for(lambda: transcript_states(recording.id) == [Transcript.READY], 240, interval=1)
    seconds = time.monotonic() - killed_at
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording.id))
    assert transcript.text.strip() and transcript.audio_seconds > 100
    assert stray_files(app, tmp_path) == []
    assert queue.get_queue("transcription").failed_job_registry.count == 0
    record_figure("transcription.killed_worker_jobs_finished_once", "1/1 (mid-decoding, one transcript)")
    record_figure("transcription.killed_worker_seconds_to_recovery", round(seconds))


@pytest.mark.slow
def test_a_job_lost_with_its_worker_is_recovered_by_the_sweeper(
    app, twilio_server, audio_files, spawn_worker, tmp_path, record_figure
):
    from audio import jobs

    recording = register(twilio_server, 1, audio_files.speech_wav.read_bytes(), trickle_seconds=2)
    kill_when(lambda: sid(1) in twilio_server.downloads, spawn_worker())
    queue.redis_connection().flushdb()  # the job is gone: no queue entry, no registry, no retry
    assert reload(recording.id).status == Recording.DOWNLOADING
    db.session.execute(
        db.update(Recording).values(updated_at=utcnow() - recording_pipeline.DOWNLOADING_DEADLINE * 2)
    )
    db.session.commit()
    assert queue.enqueue_due(jobs.PERIODIC)  # the periodic clock's next tick
    spawn_worker()
    assert wait_for(lambda: finished(recording.id), 240)
    assert_finished_once(app, tmp_path, recording)
    assert reload(recording.id).attempts == 2
    record_figure("audio.lost_job_recovered_by_sweeper", "1/1")
