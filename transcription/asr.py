"""The only code that talks to Vosk: load each model once per process, and keep one recogniser per model
per process, started afresh for each recording."""

import json
import logging
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import vosk

from transcription import model_files
from transcription.model_files import ModelInfo

log = logging.getLogger(__name__)
vosk.SetLogLevel(-1)  # Kaldi logs every model file it opens; our own lines say what matters

SAMPLE_RATE = 16000
CHUNK_FRAMES = 4000  # 0.25 s: Vosk checks for the end of an utterance once per fed chunk
_models: dict[Path, vosk.Model] = {}
_recognisers: dict[Path, "_Recogniser"] = {}


class AsrError(RuntimeError):
    """The audio or the model cannot be used; the message says which and why."""


class NoModelError(AsrError):
    """No speech model serves the recording's language and no fallback is configured."""


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Result:
    """What the recogniser heard, with word timings, and how long it took."""

    words: list[Word]
    audio_seconds: float
    decode_seconds: float
    model: ModelInfo

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def confidence(self) -> float | None:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else None

    @property
    def real_time_factor(self) -> float | None:
        return self.decode_seconds / self.audio_seconds if self.audio_seconds else None


def load(info: ModelInfo) -> vosk.Model:
    """The loaded model for a folder; loaded on first use and kept for the life of the process."""
    if info.path not in _models:
        started = time.monotonic()
        try:
            _models[info.path] = vosk.Model(str(info.path))  # a path, never lang=: that downloads
        except Exception as error:  # vosk raises a bare Exception when Kaldi cannot read the folder
            raise AsrError(f"cannot load speech model {info.label} from {info.path}: {error}") from error
        log.info("loaded speech model %s in %.1f s", info.label, time.monotonic() - started)
    return _models[info.path]


def preload(config: dict) -> list[ModelInfo]:
    """Load every model this configuration can use, so forked work-horses share them."""
    fallback = model_files.resolve(None, config)
    candidates = [*model_files.available(config).values(), *([fallback] if fallback else [])]
    unique = list({info.path: info for info in candidates}.values())
    for info in unique:
        load(info)
    return unique


def transcribe_file(path: Path, language: str | None, config: dict) -> Result:
    """Decode a 16 kHz mono 16-bit WAV with the model serving the language."""
    info = model_files.resolve(language, config)
    if info is None:
        raise NoModelError(f"no speech model for language '{language}' and no fallback (see VOSK_MODELS)")
    model = load(info)
    started = time.monotonic()
    words, frames = _decode(model, path, info.path)
    return Result(words, frames / SAMPLE_RATE, time.monotonic() - started, info)


@dataclass
class _Recogniser:
    """A recogniser kept for the life of the process, and the seconds of audio it has heard so far.

    Building one per recording costs about a second of CPU, and its decoding graph (the small models'
    on-the-fly lookahead composition) is expanded again for every new recogniser: once warm, a kept one
    decoded 30 s recordings in 3.9-4.2 s of CPU against 8.7-9.5 s fresh (docs/benchmarks.md). That gain
    needs the process to outlive the job, so transcription workers do not fork (core.queue.IN_PROCESS_QUEUES). Vosk
    counts word times from the recogniser's first audio, so each recording's times are shifted back by
    what was heard before it.
    """

    kaldi: vosk.KaldiRecognizer
    heard_seconds: float = 0.0


def _recogniser(model: vosk.Model, path: Path) -> _Recogniser:
    if path not in _recognisers:
        kaldi = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        kaldi.SetWords(True)
        _recognisers[path] = _Recogniser(kaldi)
        log.info("speech recogniser built for %s (kept for this process's next recordings)", path.name)
    return _recognisers[path]


def _decode(model: vosk.Model, path: Path, model_path: Path) -> tuple[list[Word], int]:
    # Recognisers are not thread-safe: a worker decodes one recording at a time, in one thread.
    kept = _recogniser(model, model_path)
    recogniser, offset = kept.kaldi, kept.heard_seconds
    words, frames, finished = [], 0, False
    try:
        with _open_wav(path) as wav:
            while chunk := wav.readframes(CHUNK_FRAMES):
                frames += len(chunk) // 2
                if recogniser.AcceptWaveform(chunk):
                    words += _words(recogniser.Result(), offset)
        words += _words(recogniser.FinalResult(), offset)
        finished = True
    finally:
        # A final result makes the next audio start a fresh decoder and feature pipeline (no adaptation
        # carried over), keeping the expanded graph; Reset() would keep the features, so it is not used.
        if not finished:
            recogniser.FinalResult()
        kept.heard_seconds += frames / SAMPLE_RATE
    return words, frames


@contextmanager
def _open_wav(path: Path) -> Iterator[wave.Wave_read]:
    try:
        wav = wave.open(str(path), "rb")  # noqa: SIM115 (closed below, after the format check)
    except (wave.Error, EOFError) as error:
        raise AsrError(f"{path.name} is not a readable WAV file: {error}") from error
    with wav:
        shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
        if shape != (1, 2, SAMPLE_RATE):
            raise AsrError(f"{path.name}: expected 16 kHz mono 16-bit PCM, got {shape[2]} Hz, {shape[0]} ch")
        yield wav


def _words(result_json: str, offset: float = 0.0) -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(w["word"], round(w["start"] - offset, 3), round(w["end"] - offset, 3), w["conf"])
        for w in result.get("result", [])
    ]


def verify(path: Path) -> float:
    """Load a model folder afresh and decode a second of silence; returns the load time in seconds."""
    started = time.monotonic()
    try:
        model = vosk.Model(str(path))
    except Exception as error:  # vosk raises a bare Exception when Kaldi cannot read the folder
        raise AsrError(f"{path} is not a loadable Vosk model: {error}") from error
    elapsed = time.monotonic() - started
    recogniser = vosk.KaldiRecognizer(model, SAMPLE_RATE)
    recogniser.AcceptWaveform(bytes(2 * SAMPLE_RATE))
    json.loads(recogniser.FinalResult())
    return elapsed
