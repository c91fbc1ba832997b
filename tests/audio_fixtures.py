"""Real audio files for tests, generated once per run with espeak-ng, sox and ffmpeg.

Use the `audio_files` fixture: audio_files.speech_wav is a Twilio-like 8 kHz mono 16-bit WAV of English
speech; the other attributes are the good and bad variants the pipeline must classify.
"""

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydub import AudioSegment

SENTENCE = "Build the pit one metre away from the wall, and cover it well after the rains."


@dataclass
class AudioFiles:
    speech_wav: Path  # about 4 s, 8 kHz mono 16-bit, like a Twilio recording
    speech_16k_wav: Path  # 16 kHz mono 16-bit, what the recogniser reads
    hindi_wav: Path
    long_speech_wav: Path  # about 2.5 minutes of sentences and pauses (segmentation)
    speech_mp3: Path
    speech_ogg: Path  # Opus in Ogg, like a WhatsApp voice note
    speech_m4a: Path
    speech_webm: Path  # what a browser's MediaRecorder sends
    short_wav: Path  # 0.5 s
    silence_wav: Path  # 5 s of digital silence
    quiet_noise_wav: Path  # 5 s of a line's faint hiss, nothing said
    header_only_wav: Path  # a valid header, 0 samples
    zero_bytes_wav: Path
    truncated_wav: Path  # header says 4 s, the bytes stop after about 1.5 s
    png_as_wav: Path  # an image renamed .wav
    random_bytes_wav: Path
    unknown_codec_wav: Path  # a WAV header naming a codec nobody decodes
    stereo_44k_wav: Path


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def to_pcm(source: Path, target: Path, rate: int = 8000) -> Path:
    run("ffmpeg", "-v", "error", "-y", "-i", str(source), "-ac", "1", "-ar", str(rate), str(target))
    return target


def encode(source: Path, target: Path, *codec: str) -> Path:
    run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), *codec, str(target))
    return target


def speak(text: str, voice: str, target: Path) -> Path:
    run("espeak-ng", "-v", voice, "-w", str(target), text)
    return target


def header_only(target: Path) -> Path:
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"")
    return target


def long_speech(raw_speech: Path, target: Path) -> Path:
    """Sentences separated by pauses of different lengths, about 150 s in all."""
    sentence = AudioSegment.from_wav(raw_speech).set_frame_rate(8000).set_channels(1)
    audio = AudioSegment.empty()
    for index in range(36):
        audio += sentence + AudioSegment.silent(400 if index % 5 else 1200, frame_rate=8000)
    audio.export(target, format="wav")
    return target


@pytest.fixture(scope="session")
def audio_files(media_fixtures: Path) -> AudioFiles:
    """Every audio fixture, generated once per test run."""
    folder = media_fixtures / "audio"
    folder.mkdir(exist_ok=True)
    raw = speak(SENTENCE, "en", folder / "raw.wav")
    speech = to_pcm(raw, folder / "speech.wav")
    data = speech.read_bytes()
    (folder / "truncated.wav").write_bytes(data[: 44 + 2 * 8000 * 3 // 2])
    (folder / "zero.wav").write_bytes(b"")
    (folder / "random.wav").write_bytes(bytes((i * 7919 + 13) % 251 for i in range(20000)))
    (folder / "unknown_codec.wav").write_bytes(data[:20] + (0x1234).to_bytes(2, "little") + data[22:])
    run(
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=32x32",
        "-frames:v",
        "1",
        str(folder / "image.png"),
    )
    (folder / "image.wav").write_bytes((folder / "image.png").read_bytes())
    run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(folder / "silence.wav"), "trim", "0", "5")
    hiss = ("synth", "5", "whitenoise", "vol", "0.002")
    run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(folder / "hiss.wav"), *hiss)
    run("sox", str(speech), str(folder / "short.wav"), "trim", "0", "0.5")
    return AudioFiles(
        speech_wav=speech,
        speech_16k_wav=to_pcm(raw, folder / "speech16k.wav", 16000),
        hindi_wav=to_pcm(speak("शौच के बाद साबुन से हाथ धोएं।", "hi", folder / "hi-raw.wav"), folder / "hi.wav"),
        long_speech_wav=long_speech(raw, folder / "long.wav"),
        speech_mp3=encode(raw, folder / "speech.mp3"),
        speech_ogg=encode(raw, folder / "speech.ogg", "-c:a", "libopus"),
        speech_m4a=encode(raw, folder / "speech.m4a", "-c:a", "aac"),
        speech_webm=encode(raw, folder / "speech.webm", "-c:a", "libopus"),
        short_wav=folder / "short.wav",
        silence_wav=folder / "silence.wav",
        quiet_noise_wav=folder / "hiss.wav",
        header_only_wav=header_only(folder / "header_only.wav"),
        zero_bytes_wav=folder / "zero.wav",
        truncated_wav=folder / "truncated.wav",
        png_as_wav=folder / "image.wav",
        random_bytes_wav=folder / "random.wav",
        unknown_codec_wav=folder / "unknown_codec.wav",
        stereo_44k_wav=encode(raw, folder / "stereo.wav", "-ac", "2", "-ar", "44100"),
    )
