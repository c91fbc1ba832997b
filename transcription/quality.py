"""How a recording sounds (silence, clipping, speech length), its review flags and queue priority."""

import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

from audio.models import Recording
from transcription.models import Transcript

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # stdlib to 3.12, the audioop-lts package after
    import audioop

FRAME_SECONDS = 0.03
SILENCE_RMS = 330  # about -40 dBFS: quieter 30 ms frames count as silence (a phone line's noise floor)
CLIP_PEAK = 32000  # a frame touching this peak was probably clipped
LOW_CONFIDENCE = 0.6  # mean Vosk word confidence below this needs a human ear
MOSTLY_SILENCE = 0.85
CLIPPING_RATIO = 0.02
SHORT_SPEECH_SECONDS = 2.0
# Curators read questions first (someone is waiting), then stories, answers last (an expert made them).
KIND_PRIORITY = {
    Recording.QUESTION: 100.0,
    Recording.STORY: 50.0,
    Recording.UPLOAD: 30.0,
    Recording.ANSWER: 20.0,
}
NOISE_PENALTY = 100.0  # silence and noise sink below every usable recording


@dataclass(frozen=True)
class Measure:
    seconds: float
    speech_seconds: float
    silence_ratio: float
    clipping_ratio: float


def measure(path: Path) -> Measure:
    """Frame-by-frame levels of a mono 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        frame_bytes = int(wav.getframerate() * FRAME_SECONDS) * 2
        total = silent = clipped = 0
        while chunk := wav.readframes(frame_bytes // 2):
            total += 1
            silent += audioop.rms(chunk, 2) < SILENCE_RMS
            clipped += audioop.max(chunk, 2) >= CLIP_PEAK
        seconds = wav.getnframes() / wav.getframerate()
    if not total:
        return Measure(0.0, 0.0, 1.0, 0.0)
    return Measure(seconds, (total - silent) * FRAME_SECONDS, silent / total, clipped / total)


def flags(sound: Measure, word_count: int, confidence: float | None) -> list[str]:
    """Review flags for a transcribed recording."""
    checks = {
        Transcript.EMPTY: word_count == 0,
        Transcript.LOW_CONFIDENCE: confidence is not None and confidence < LOW_CONFIDENCE,
        Transcript.MOSTLY_SILENCE: sound.silence_ratio >= MOSTLY_SILENCE,
        Transcript.CLIPPING: sound.clipping_ratio >= CLIPPING_RATIO,
        Transcript.SHORT_SPEECH: sound.speech_seconds < SHORT_SPEECH_SECONDS,
    }
    return [name for name, raised in checks.items() if raised]


def needs_listening(flag_names: list[str]) -> bool:
    """A person must listen when the machine heard nothing or is unsure of what it heard."""
    return bool({Transcript.EMPTY, Transcript.LOW_CONFIDENCE, Transcript.NO_MODEL} & set(flag_names))


def is_noise(sound: Measure, flag_names: list[str]) -> bool:
    """Little or no speech: most likely a pocket dial, a hang-up or line noise."""
    return Transcript.MOSTLY_SILENCE in flag_names or sound.speech_seconds < 1.0


def priority(
    kind: str, sound: Measure, flag_names: list[str], confidence: float | None, tag_score: float
) -> float:
    """Order of the curator queue: questions, then likely-useful stories, noise last."""
    score = KIND_PRIORITY.get(kind, 30.0)
    if is_noise(sound, flag_names):
        return round(score - NOISE_PENALTY, 2)
    # A story is likely useful when it is long enough to tell something, clear, and on a known topic.
    usefulness = min(sound.speech_seconds, 60.0) / 60.0 * 20 + (confidence or 0.0) * 10 + tag_score * 10
    penalty = 10.0 if Transcript.CLIPPING in flag_names else 0.0
    return round(score + usefulness - penalty, 2)
