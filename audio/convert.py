"""Decode, measure and render audio: PCM WAV in-process, other formats through one ffmpeg helper."""

import ctypes
import io
import json
import math
import os
import signal
import subprocess
import sys
import warnings
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment

from audio import store

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the audioop-lts package provides it on Python 3.13+

RECOGNITION_RATE = 16000  # what the speech models expect
PHONE_RATE = 8000  # what the telephone line carries
TOOL_TIMEOUT_SECONDS = 60
PROBE_TIMEOUT_SECONDS = 15
# Demuxers an uploaded file may be read with; anything else (playlists, concat lists, images) is refused
# before ffmpeg can follow a reference inside it.
ALLOWED_FORMATS = "wav,mp3,mov,mp4,m4a,3gp,3g2,mj2,ogg,amr,matroska,webm,flac,aac"
INPUT_GUARDS = ["-protocol_whitelist", "file", "-format_whitelist", ALLOWED_FORMATS]
FRAME_MS = 20
SILENCE_DBFS = -45.0  # below the noise floor of a phone line
MIN_SOUND_MS = 200  # less than this above the floor counts as silence
TARGET_DBFS = -20.0  # speech level of every phone copy
PEAK_CEILING_DBFS = -1.0
RELATIVE_GATE_DB = 20.0
ABSOLUTE_GATE_DBFS = -70.0  # only digital near-silence is left out of the loudness measure
EDGE_PADDING_MS = 150  # kept around speech when trimming silence
MIN_PAUSE_MS = 300


class ToolError(RuntimeError):
    """An external tool failed or timed out; the message is its first line of stderr."""


class ToolTimeoutError(ToolError):
    """An external tool ran past its time limit and was killed."""


class NotAudioError(ValueError):
    """The file holds no audio stream a decoder recognises."""


class DecodeError(ValueError):
    """The file looks like audio but cannot be decoded; the message says why."""


class DecodeTimeoutError(DecodeError):
    """Probing or decoding the file took longer than its limit."""


@dataclass
class Decoded:
    audio: AudioSegment  # mono, 16-bit
    source_seconds: float | None  # the length the file itself claims
    capped: bool  # the file is longer than the limit: only the first part was decoded
    damaged: bool  # the data stops before the file said it would, or the decoder hit corrupt data


@dataclass(frozen=True)
class Probe:
    format_name: str
    codec: str
    duration: float | None


def first_line(text: bytes | str) -> str:
    """The first non-empty line of a tool's output."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def run_tool(command: list[str], timeout: float | None = None) -> tuple[bytes, bytes]:
    """Run a tool in its own process group, killed on timeout (TOOL_TIMEOUT_SECONDS) or when we die.

    Raises ToolError with the tool's first stderr line, ToolTimeoutError when it ran too long.
    """
    timeout = TOOL_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
    except FileNotFoundError as error:
        raise ToolError(f"{command[0]} is not installed") from error
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ToolTimeoutError(f"{command[0]} timed out after {timeout:g} s") from None
    if process.returncode != 0:
        raise ToolError(first_line(err) or f"{command[0]} exited with status {process.returncode}")
    return out, err


_PR_SET_PDEATHSIG = 1
# Looked up once here: the hook below runs between fork and exec, where it must not import or allocate much.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """Linux: a hook making the tool get SIGKILL when its parent dies.

    The tool runs in its own session, so a SIGKILLed work-horse (or a killed worker machine's process
    group) would otherwise leave it running, or hanging, for ever.
    """
    if _prctl is None:
        return None

    def hook() -> None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return hook


def probe(path: Path) -> Probe:
    """Container, codec and claimed duration of the first audio stream; NotAudioError if there is none."""
    command = ["ffprobe", "-v", "error", *INPUT_GUARDS, "-show_entries"]
    command += ["format=format_name,duration:stream=codec_type,codec_name", "-of", "json", str(path)]
    try:
        out, _ = run_tool(command, timeout=PROBE_TIMEOUT_SECONDS)
    except ToolTimeoutError as error:
        raise DecodeTimeoutError(str(error)) from error
    except ToolError as error:
        raise NotAudioError(str(error)) from error
    info = json.loads(out or b"{}")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise NotAudioError("no audio stream in the file")
    duration = info.get("format", {}).get("duration")
    return Probe(info["format"].get("format_name", ""), streams[0].get("codec_name", ""), _float(duration))


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def decode(path: Path, max_seconds: float) -> Decoded:
    """Mono 16-bit audio of at most the file's first max_seconds (PCM WAV in-process, else ffmpeg)."""
    return read_pcm_wav(path, max_seconds) or decode_with_ffmpeg(path, max_seconds)


def read_pcm_wav(path: Path, max_seconds: float) -> Decoded | None:
    """Decode a plain PCM WAV without any subprocess; None if the file is not one."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            declared = wav.getnframes()
            wanted = min(declared, int(max_seconds * rate))
            data = wav.readframes(wanted)
    except (wave.Error, EOFError, RuntimeError):
        # RuntimeError: the wave module cannot seek past a chunk whose size field is corrupt.
        return None
    frame_size = width * channels
    data = data[: len(data) - len(data) % frame_size]
    audio = AudioSegment(data=data, sample_width=width, frame_rate=rate, channels=channels)
    audio = audio.set_channels(1).set_sample_width(2)
    frames = len(data) // frame_size
    # A header may claim more than the file holds: only audio actually read up to the limit is "capped".
    capped, damaged = declared > wanted and frames == wanted, frames < wanted
    return Decoded(audio, declared / rate if rate else None, capped, damaged)


def decode_with_ffmpeg(path: Path, max_seconds: float) -> Decoded:
    """Probe, then decode through ffmpeg into a size-bounded file (never unbounded memory)."""
    info = probe(path)
    limit = int((max_seconds + 1) * RECOGNITION_RATE * 2)
    with store.scratch_dir() as folder:
        output = folder / "pcm.raw"
        command = ["ffmpeg", "-nostdin", "-v", "error", *INPUT_GUARDS, "-i", str(path), "-vn", "-sn"]
        command += ["-t", f"{max_seconds:g}", "-ac", "1", "-ar", str(RECOGNITION_RATE)]
        command += ["-f", "s16le", "-fs", str(limit), "-y", str(output)]
        try:
            _, err = run_tool(command)
        except ToolTimeoutError as error:
            raise DecodeTimeoutError(str(error)) from error
        except ToolError as error:
            raise DecodeError(str(error)) from error
        data = output.read_bytes() if output.exists() else b""
    data = data[: len(data) - len(data) % 2]
    audio = AudioSegment(data=data, sample_width=2, frame_rate=RECOGNITION_RATE, channels=1)
    damaged = _damaged(audio, info, err, max_seconds)
    return Decoded(audio, info.duration, _longer_than(info.duration, max_seconds), damaged)


def _longer_than(duration: float | None, max_seconds: float) -> bool:
    return duration is not None and duration > max_seconds + 0.05


def _damaged(audio: AudioSegment, info: Probe, stderr: bytes, max_seconds: float) -> bool:
    if stderr.strip():
        return True
    # Only the first max_seconds are decoded: a long file is not short of what was asked for.
    expected = None if info.duration is None else min(info.duration, max_seconds)
    return expected is not None and audio.duration_seconds < expected * 0.9 - 0.2


def frame_levels(audio: AudioSegment, frame_ms: int = FRAME_MS) -> list[float]:
    """Loudness (dBFS) of each frame of the audio; -inf for digital silence."""
    step = int(audio.frame_rate * frame_ms / 1000) * audio.frame_width
    raw, full_scale = audio.raw_data, float(1 << (8 * audio.sample_width - 1))
    levels = []
    for start in range(0, len(raw) - step + 1, step):
        rms = audioop.rms(raw[start : start + step], audio.sample_width)
        levels.append(20 * math.log10(rms / full_scale) if rms else -math.inf)
    return levels


def is_silent(audio: AudioSegment) -> bool:
    """True when almost nothing rises above a phone line's noise floor."""
    loud = sum(1 for level in frame_levels(audio) if level > SILENCE_DBFS)
    return loud * FRAME_MS < MIN_SOUND_MS


def speech_bounds(audio: AudioSegment) -> tuple[int, int]:
    """Start and end (ms) of the part above the noise floor, padded a little; (0, 0) if none."""
    loud = [i for i, level in enumerate(frame_levels(audio)) if level > SILENCE_DBFS]
    if not loud:
        return 0, 0
    start = max(0, loud[0] * FRAME_MS - EDGE_PADDING_MS)
    end = min(len(audio), (loud[-1] + 1) * FRAME_MS + EDGE_PADDING_MS)
    return start, end


def trim_silence(audio: AudioSegment) -> AudioSegment:
    """The audio without its leading and trailing silence."""
    start, end = speech_bounds(audio)
    return audio[start:end]


def pauses(audio: AudioSegment, min_ms: int = MIN_PAUSE_MS) -> list[tuple[int, int]]:
    """Quiet stretches of at least min_ms inside the audio, as (start_ms, end_ms)."""
    found, run_start = [], None
    levels = frame_levels(audio)
    for index, level in enumerate([*levels, math.inf]):
        if level <= SILENCE_DBFS and run_start is None:
            run_start = index
        elif level > SILENCE_DBFS and run_start is not None:
            if (index - run_start) * FRAME_MS >= min_ms and run_start > 0 and index < len(levels):
                found.append((run_start * FRAME_MS, index * FRAME_MS))
            run_start = None
    return found


def split_points(audio: AudioSegment, max_ms: int) -> list[int]:
    """Where to cut the audio into pieces of at most max_ms, preferring the longest pause in reach."""
    middles = [((begin + end) // 2, end - begin) for begin, end in pauses(audio)]
    points, start = [], 0
    while len(audio) - start > max_ms:
        # The longest pause in the second half of the reach, else any pause, else a hard cut.
        reach = [m for m in middles if start + max_ms // 2 < m[0] <= start + max_ms]
        reach = reach or [m for m in middles if start + 1000 < m[0] <= start + max_ms]
        start = max(reach, key=lambda m: m[1])[0] if reach else start + max_ms
        points.append(start)
    return points


def speech_level(audio: AudioSegment) -> float | None:
    """Mean energy (dBFS) of the frames that carry speech; None for silence.

    Frames count when they are within RELATIVE_GATE_DB of the loudest frame, so the measure does not
    change when gain is applied (like EBU R128's relative gate).
    """
    levels = frame_levels(audio)
    loudest = max(levels, default=-math.inf)
    voiced = [level for level in levels if level > max(ABSOLUTE_GATE_DBFS, loudest - RELATIVE_GATE_DB)]
    if not voiced:
        return None
    return 10 * math.log10(sum(10 ** (level / 10) for level in voiced) / len(voiced))


def normalise(audio: AudioSegment) -> AudioSegment:
    """Bring speech to TARGET_DBFS without pushing peaks past PEAK_CEILING_DBFS."""
    level = speech_level(audio)
    if level is None:
        return audio
    return audio.apply_gain(min(TARGET_DBFS - level, PEAK_CEILING_DBFS - audio.max_dBFS))


def recognition_copy(audio: AudioSegment) -> AudioSegment:
    """16 kHz mono 16-bit audio for the speech recogniser."""
    return audio.set_channels(1).set_sample_width(2).set_frame_rate(RECOGNITION_RATE)


def phone_copy(audio: AudioSegment) -> AudioSegment:
    """Loudness-normalised 8 kHz mono 16-bit audio for the telephone line."""
    return normalise(audio.set_channels(1).set_sample_width(2)).set_frame_rate(PHONE_RATE)


def wav_bytes(audio: AudioSegment) -> bytes:
    """The audio as a PCM WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(audio.channels)
        wav.setsampwidth(audio.sample_width)
        wav.setframerate(audio.frame_rate)
        wav.writeframes(audio.raw_data)
    return buffer.getvalue()


def apply_edits(audio: AudioSegment, start_ms: int = 0, end_ms: int | None = None, remove=()) -> AudioSegment:
    """Keep [start_ms, end_ms) of the audio minus each removed (start, end) span (times in the original)."""
    end_ms = len(audio) if end_ms is None else min(end_ms, len(audio))
    kept, cursor = audio[0:0], start_ms
    for span_start, span_end in sorted(remove):
        if span_end <= cursor or span_start >= end_ms:
            continue
        kept += audio[cursor : max(cursor, span_start)]
        cursor = max(cursor, span_end)
    return kept + audio[cursor:end_ms] if cursor < end_ms else kept


def synthesize(text: str, voice: str, output: Path) -> None:
    """Speak text into a WAV file with espeak-ng (demo content and test fixtures)."""
    run_tool(["espeak-ng", "-v", voice, "-s", "150", "-w", str(output), text])
