"""One recogniser per model per worker process, reset between recordings: each recording is heard as if
it were the first (same words, word times from its own start)."""

from core.config import build_config
from tests.transcription_fixtures import KOREAN_SPEECH, TEST_MODEL, silence_wav, speech_wav
from transcription import asr


def test_a_kept_recogniser_hears_each_recording_from_its_own_start(tmp_path):
    config = build_config(
        {"VOSK_MODELS": f"ko={TEST_MODEL}", "VOSK_DEMO_MODEL": "off", "INSTANCE_PATH": str(tmp_path)}
    )
    speech, silence = speech_wav(tmp_path, KOREAN_SPEECH), silence_wav(tmp_path, 3.0)
    first = asr.transcribe_file(speech, "ko", config)
    asr.transcribe_file(silence, "ko", config)  # audio heard in between must not shift the next times
    again = asr.transcribe_file(speech, "ko", config)
    # Vosk's own result varies a little between runs (even with fresh recognisers): compare what is stable
    assert "마세요" in first.text and "마세요" in again.text
    assert abs(again.words[0].start - first.words[0].start) < 0.5
    assert all(0 <= w.start <= w.end <= again.audio_seconds for w in again.words)
    assert len(asr._recognisers) == 1  # built once, kept for the life of the process
