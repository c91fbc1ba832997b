"""Recordings as the audio job leaves them (original, recognition and phone copies), transcribed for real."""

import uuid
from pathlib import Path

from audio import (
    recording_pipeline,
    store,
)
from audio.models import Recording
from core.db import db
from tests.factories import make_contact
from tests.transcription_fixtures import KOREAN_SPEECH, speech_wav
from transcription import (
    transcribing,
)
from transcription.models import Transcript


def make_processed_recording(wav: Path, **fields) -> Recording:
    """A recording whose original went through the real audio processing (READY, all three copies)."""
    recording = Recording(recording_sid=f"RE{uuid.uuid4().hex}", status=Recording.DOWNLOADING, **fields)
    db.session.add(recording)
    db.session.flush()
    recording.original_key = recording_pipeline.recording_key(recording.id, "original")
    store.write_file(recording.original_key, wav)
    db.session.commit()
    recording = recording_pipeline.process_recording(recording)
    assert recording.status == Recording.READY, recording.reason_detail
    return recording


def make_transcribed_story(
    folder: Path, words: str = KOREAN_SPEECH, **fields
) -> tuple[Recording, Transcript]:
    """A caller's story, processed and transcribed by the real model (needs the test_model fixture)."""
    if "contact_id" not in fields:
        fields["contact_id"] = make_contact(role="mason", name="Ramesh").id
    fields.setdefault("kind", Recording.STORY)
    fields.setdefault("language_code", "hi")
    fields.setdefault("consent", Recording.ANONYMOUS)
    recording = make_processed_recording(speech_wav(folder, words), **fields)
    return recording, transcribing.transcribe(recording)


def make_story_awaiting_review(
    folder: Path, consent: str = Recording.ANONYMOUS, transcript: str = "pit", **teller
) -> Recording:
    """Sunita's English story about emptying a pit, processed, with a transcript waiting for review."""
    contact = make_contact(name="Sunita Devi", role="mason", **teller)
    recording = make_processed_recording(
        speech_wav(folder, "we emptied the first pit after two years", voice="en"),
        kind=Recording.STORY,
        language_code="hi",
        consent=consent,
        contact_id=contact.id,
    )
    db.session.add(Transcript(recording_id=recording.id, status=Transcript.READY, text=transcript))
    db.session.commit()
    return recording
