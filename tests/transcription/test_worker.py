"""From a Twilio recording to transcript, tags and flags with no human step, through real RQ workers."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from audio import recording_pipeline
from audio.models import Recording
from core import queue, seed
from core.config import ROOT
from core.db import db
from core.models import Topic
from tests import snapshots
from tests.transcription_fixtures import TEST_MODEL
from transcription import (
    asr,
    jobs,
    topic_tags,
)
from transcription.models import TopicTag, Transcript

pytestmark = pytest.mark.usefixtures("test_model")


def twin_pit() -> int:
    return db.session.scalar(select(Topic.id).filter_by(slug="twin-pit"))


def register_question(twilio_server, audio_files, digit: str = "7") -> Recording:
    """A caller's question recorded in the twin-pit menu, as the IVR registers it."""
    sid = "RE" + digit * 32
    url = twilio_server.add_recording(sid, (200, audio_files.speech_wav.read_bytes()))
    recording, _ = recording_pipeline.register_recording(
        sid,
        source_url=url,
        kind=Recording.QUESTION,
        language_code="hi",
        topic_id=twin_pit(),
        reported_seconds=4,
    )
    return recording


def assert_transcribed_tagged_and_flagged(recording_id: int) -> None:
    db.session.expire_all()
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    assert transcript.status == Transcript.READY and transcript.text.strip()
    assert transcript.real_time_factor > 0 and transcript.model_language == "hi"
    assert transcript.speech_seconds > 1 and Transcript.MOSTLY_SILENCE not in transcript.flag_list
    assert transcript.priority >= 100  # a question with speech
    tags = [(t.topic_id, t.source) for t in topic_tags.tags_for(recording_id)]
    assert (twin_pit(), TopicTag.MENU) in tags


def test_a_fetched_recording_is_transcribed_by_the_worker(work, twilio_server, audio_files):
    recording = register_question(twilio_server, audio_files)
    work("audio")
    assert db.session.get(Recording, recording.id).status == Recording.READY
    work("transcription")
    assert_transcribed_tagged_and_flagged(recording.id)
    assert queue.get_queue("transcription").failed_job_registry.count == 0


def worker_environment(app) -> dict:
    """What `chaupal worker` needs to reach this test's database, Redis, media and model."""
    return {
        **os.environ,
        "CHAUPAL_ENV": "development",  # INFO logging, so the preload line can be seen
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "MEDIA_DIR": app.config["MEDIA_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "TWILIO_ACCOUNT_SID": app.config["TWILIO_ACCOUNT_SID"],
        "TWILIO_AUTH_TOKEN": app.config["TWILIO_AUTH_TOKEN"],
        "VOSK_MODELS": f"hi={TEST_MODEL}",
        "VOSK_DEMO_MODEL": "off",
    }


def transcription_worker(app) -> subprocess.CompletedProcess:
    """`chaupal worker transcription --burst` until the queue is empty; its output."""
    db.session.remove()  # no transaction of ours holds the database while the worker writes
    worker = subprocess.run(
        [sys.executable, "-m", "core.cli", "worker", "transcription", "--burst", "--no-scheduler"],
        env=worker_environment(app),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    return worker


@pytest.fixture(scope="module")
def worked(app, twilio_server, audio_files, tmp_path_factory) -> tuple[list[int], str, snapshots.Snapshot]:
    """Two fetched questions transcribed by one `chaupal worker` process (slow to start: started once).

    The recordings' ids, the worker's log, and the state it left, which each test here starts from.
    """
    with app.app_context():
        seed.seed_reference()
        recordings = [register_question(twilio_server, audio_files, digit).id for digit in "78"]
        queue.make_worker(app, ["audio"]).work(burst=True, with_scheduler=False)
        log = transcription_worker(app).stderr
        saved = snapshots.save(tmp_path_factory.mktemp("worked"))
        snapshots.clear()
    twilio_server.reset()
    return recordings, log, saved


def test_a_worker_process_preloads_the_model_then_transcribes(worked):
    recordings, log, saved = worked
    snapshots.restore(saved)
    # Loaded once, before the first job; no job loaded it again.
    assert log.count("loaded speech model") == 1, log[-2000:]
    assert log.index("speech model ready") < log.index("transcribe_recording")
    assert_transcribed_tagged_and_flagged(recordings[0])


def test_a_worker_process_keeps_one_recogniser_for_all_its_recordings(worked):
    """A recogniser's decoding graph is the fixed cost of a job (seconds): built once, not per job."""
    recordings, log, saved = worked
    snapshots.restore(saved)
    assert log.count("transcribe_recording") >= 2, log[-2000:]
    assert log.count("speech recogniser built") == 1, log[-2000:]
    for recording_id in recordings:
        assert_transcribed_tagged_and_flagged(recording_id)


def test_preload_loads_the_configured_model_once(app, monkeypatch):
    monkeypatch.setattr(asr, "_models", {})
    jobs.preload()
    jobs.preload()
    assert list(asr._models) == [TEST_MODEL]
