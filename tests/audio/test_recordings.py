"""Caller recordings end to end: download through a real worker, classify, convert, hand over."""

import wave
from datetime import timedelta

import pytest

from audio import (
    recording_pipeline,
    store,
)
from audio.models import Recording
from core import queue
from core.db import db, utcnow

SID = "RE" + "a" * 32


def register(twilio_server, *answers, sid=SID, **fields):
    url = twilio_server.add_recording(sid, *answers)
    fields.setdefault("source_url", url)
    recording, _ = recording_pipeline.register_recording(sid, call_sid="CA" + "1" * 32, **fields)
    return recording


def reload(recording) -> Recording:
    db.session.expire_all()
    return db.session.get(Recording, recording.id)


def transcription_jobs():
    return [(job.func_name, job.args) for job in queue.get_queue("transcription").jobs]


def wav_format(key: str) -> tuple[int, int, int]:
    with store.local_file(key) as path, wave.open(str(path)) as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


@pytest.fixture
def fast_retries(monkeypatch):
    """Retry at once: RQ re-queues a job with interval 0 without waiting for the scheduler."""
    monkeypatch.setattr(recording_pipeline, "FETCH_RETRY_INTERVALS", [0, 0, 0])


def test_a_good_recording_becomes_ready_and_goes_to_transcription(app, work, twilio_server, audio_files):
    recording = register(twilio_server, (200, audio_files.speech_wav.read_bytes()), reported_seconds=4)
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.reason, recording.flags) == (Recording.READY, "", "")
    assert store.read_bytes(recording.original_key) == audio_files.speech_wav.read_bytes()
    assert wav_format(recording.recognition_key) == (16000, 1, 2)
    assert wav_format(recording.playback_key) == (8000, 1, 2)
    assert 3 < recording.duration_seconds < 6
    assert transcription_jobs() == [("transcription.jobs.transcribe_recording", [recording.id])]


def test_download_sends_twilio_credentials_and_asks_for_wav(app, work, twilio_server, audio_files):
    register(twilio_server, (200, audio_files.speech_wav.read_bytes()))
    work("audio")
    # The loopback server answers 401 to anything without the account's basic auth.
    assert reload(db.session.scalars(db.select(Recording)).one()).status == Recording.READY


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("zero_bytes_wav", Recording.EMPTY),
        ("header_only_wav", Recording.EMPTY),
        ("short_wav", Recording.TOO_SHORT),
        ("silence_wav", Recording.SILENCE),
        ("quiet_noise_wav", Recording.SILENCE),
        ("png_as_wav", Recording.NOT_AUDIO),
        ("random_bytes_wav", Recording.NOT_AUDIO),
        ("unknown_codec_wav", Recording.DECODE_FAILED),
    ],
)
def test_bad_audio_ends_failed_with_its_reason(app, work, twilio_server, audio_files, name, reason):
    data = getattr(audio_files, name).read_bytes()
    recording = register(twilio_server, (200, data))
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.reason) == (Recording.FAILED, reason)
    assert recording.reason_detail
    assert store.read_bytes(recording.original_key) == data  # nothing is lost
    assert transcription_jobs() == []
    assert queue.get_queue("audio").failed_job_registry.count == 0


def test_decode_failure_keeps_the_decoders_first_line(app, audio_files):
    examined = recording_pipeline.examine_audio(audio_files.unknown_codec_wav, 120)
    assert examined.reason == Recording.DECODE_FAILED
    assert "\n" not in examined.detail and "Decoder" in examined.detail


def test_truncated_file_is_kept_and_flagged(app, work, twilio_server, audio_files):
    recording = register(twilio_server, (200, audio_files.truncated_wav.read_bytes()), reported_seconds=4)
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.flags) == (Recording.READY, Recording.TRUNCATED)
    assert recording.duration_seconds == pytest.approx(1.5, abs=0.05)


def test_audio_much_shorter_than_twilio_reported_is_flagged_truncated(app, work, twilio_server, audio_files):
    recording = register(twilio_server, (200, audio_files.speech_wav.read_bytes()), reported_seconds=30)
    work("audio")
    assert reload(recording).flags == Recording.TRUNCATED


def test_too_long_keeps_the_first_allowed_seconds(app, work, twilio_server, audio_files, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_RECORDING_SECONDS", 2)
    recording = register(twilio_server, (200, audio_files.speech_wav.read_bytes()), reported_seconds=4)
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.flags) == (Recording.READY, Recording.TOO_LONG)
    assert recording.duration_seconds == pytest.approx(2.0, abs=0.01)
    assert store.read_bytes(recording.original_key) == audio_files.speech_wav.read_bytes()


@pytest.mark.parametrize("name", ["speech_mp3", "speech_ogg", "stereo_44k_wav"])
def test_other_formats_are_converted_through_ffmpeg(app, audio_files, name):
    examined = recording_pipeline.examine_audio(getattr(audio_files, name), 120)
    assert examined.reason == "" and examined.audio.channels == 1
    assert 3 < examined.audio.duration_seconds < 6


def test_a_url_off_the_twilio_host_is_refused_without_a_request(app, work, twilio_server):
    recording, _ = recording_pipeline.register_recording(
        SID, source_url="http://169.254.169.254/latest/meta-data"
    )
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.reason) == (Recording.FAILED, Recording.DOWNLOAD_REFUSED)
    assert twilio_server.requests == [] and recording.original_key == ""


@pytest.mark.parametrize(
    "url", ["https://api.twilio.com.evil.example/x", "file:///etc/passwd", "http://user@127.0.0.1/x"]
)
def test_lookalike_urls_are_refused(app, url):
    from audio import fetch

    with pytest.raises(fetch.DownloadRefusedError):
        fetch.recording_media_url(url)


def test_not_ready_then_ready_is_retried_by_rq(app, work, twilio_server, audio_files, fast_retries):
    wav = audio_files.speech_wav.read_bytes()
    recording = register(twilio_server, (404, b""), (404, b""), (200, wav))
    work("audio")
    recording = reload(recording)
    assert recording.status == Recording.READY and recording.attempts == 3
    assert queue.get_queue("audio").failed_job_registry.count == 0


def test_never_ready_fails_after_the_last_retry(app, work, twilio_server, fast_retries):
    recording = register(twilio_server, (404, b""))
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.reason) == (Recording.FAILED, Recording.DOWNLOAD_FAILED)
    assert "404" in recording.reason_detail and recording.attempts == 4
    assert queue.get_queue("audio").failed_job_registry.count == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_fail_at_once(app, work, twilio_server, fast_retries, status):
    recording = register(twilio_server, (status, b""))
    work("audio")
    recording = reload(recording)
    assert (recording.status, recording.reason, recording.attempts) == (
        Recording.FAILED,
        Recording.DOWNLOAD_FAILED,
        1,
    )
    assert str(status) in recording.reason_detail


def test_rerunning_a_killed_job_reuses_the_stored_original(app, twilio_server, audio_files):
    recording = register(twilio_server, (200, audio_files.speech_wav.read_bytes()))
    recording_pipeline.keep_original(recording)  # the job died right after storing the download
    recording.status = Recording.DOWNLOADING
    db.session.commit()
    requests_before = len(twilio_server.requests)
    recording_pipeline.fetch_recording(recording.id)
    recording_pipeline.fetch_recording(recording.id)  # a duplicate run changes nothing
    recording = reload(recording)
    assert recording.status == Recording.READY and len(twilio_server.requests) == requests_before
    assert store.keys(f"recordings/{recording.id}/") == [
        f"recordings/{recording.id}/{name}.wav" for name in ("original", "playback", "recognition")
    ]
    assert len(transcription_jobs()) == 1


def test_a_missing_row_is_ignored(app):
    assert recording_pipeline.fetch_recording(987654) is None


def test_sweeper_requeues_recordings_stuck_past_their_deadline(app, monkeypatch):
    monkeypatch.setattr(queue, "enqueue_now", lambda *args, **kwargs: False)  # Redis down at the callback
    lost, _ = recording_pipeline.register_recording(SID, source_url="https://api.twilio.com/x")
    fresh, _ = recording_pipeline.register_recording("RE" + "b" * 32, source_url="https://api.twilio.com/y")
    monkeypatch.undo()
    lost.updated_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert recording_pipeline.sweep_stuck_recordings() == [lost.id]
    jobs = queue.get_queue("audio").jobs
    assert [(job.func_name, job.args) for job in jobs] == [("audio.jobs.fetch_recording", [lost.id])]
    assert recording_pipeline.sweep_stuck_recordings() == []  # not again until the deadline passes once more
    assert reload(fresh).status == Recording.PENDING


def test_sweeper_gives_up_after_many_attempts(app):
    recording, _ = recording_pipeline.register_recording(SID, source_url="https://api.twilio.com/x")
    recording.status = Recording.DOWNLOADING
    recording.attempts = recording_pipeline.MAX_FETCH_ATTEMPTS
    recording.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert recording_pipeline.sweep_stuck_recordings() == []
    recording = reload(recording)
    assert (recording.status, recording.reason) == (Recording.FAILED, Recording.DOWNLOAD_FAILED)


def test_sweep_runs_on_the_periodic_clock(app, work):
    from audio import jobs

    lost, _ = recording_pipeline.register_recording(SID, source_url="https://api.twilio.com/x")
    lost.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    queue.get_queue("audio").empty()
    assert jobs.PERIODIC[0] in queue.periodic_jobs()
    assert len(queue.enqueue_due(jobs.PERIODIC[:1])) == 1
    assert [job.func_name for job in queue.get_queue("audio").jobs] == ["audio.jobs.sweep_recordings"]


def test_a_hanging_tool_is_killed_with_its_process_group(app):
    from audio import convert

    with pytest.raises(convert.ToolError, match="timed out"):
        convert.run_tool(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)


def test_a_failing_tool_reports_its_first_stderr_line(app):
    from audio import convert

    with pytest.raises(convert.ToolError, match="^first$"):
        convert.run_tool(["sh", "-c", "echo first >&2; echo second >&2; exit 3"])
