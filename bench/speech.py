"""Caller-like recordings for speech benchmarks: espeak-ng sentences with pauses, as Twilio's
8 kHz mono 16-bit WAV, of any length. The sentences are Korean because the test model is Korean:
a recogniser fed a language it does not know decodes at an unrepresentative speed."""

import subprocess
import tempfile
from pathlib import Path

from pydub import AudioSegment

VOICE = "ko"
SENTENCES = [
    "화장실은 집에서 너무 멀지 않은 곳에 지어야 합니다.",
    "구덩이는 우물에서 십 미터 이상 떨어진 곳에 파세요.",
    "비가 온 뒤에는 덮개를 잘 덮어 주세요.",
    "손을 비누로 깨끗이 씻는 것이 가장 중요합니다.",
    "마을 사람들과 경험을 함께 나누어 주세요.",
    "벽돌은 물에 적신 다음에 쌓아야 튼튼합니다.",
]


def _sentence_audio(folder: Path) -> list[AudioSegment]:
    clips = []
    for n, text in enumerate(SENTENCES):
        path = folder / f"sentence-{n}.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", "150", "-w", str(path), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        clips.append(AudioSegment.from_wav(path).set_frame_rate(8000).set_channels(1).set_sample_width(2))
    return clips


def recording(seconds: float, target: Path) -> Path:
    """A Twilio-like recording of about `seconds` of speech and pauses, written to target."""
    with tempfile.TemporaryDirectory() as folder:
        clips = _sentence_audio(Path(folder))
    audio, n = AudioSegment.silent(300, frame_rate=8000), 0
    while len(audio) < seconds * 1000:
        audio += clips[n % len(clips)] + AudioSegment.silent(300 if n % 4 else 900, frame_rate=8000)
        n += 1
    audio[: int(seconds * 1000)].export(target, format="wav")
    return target


def recordings(durations: list[float], folder: Path) -> dict[float, Path]:
    """One recording per duration in folder: {seconds: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    return {seconds: recording(seconds, folder / f"speech-{int(seconds)}s.wav") for seconds in durations}
