"""Full-text search over transcripts and curator notes (FTS5 on SQLite, tsvector on PostgreSQL)."""

import pytest

from core.db import db
from tests.transcription_fixtures import make_ready_recording, silence_wav
from transcription import (
    review_queue,
    transcript_search,
)
from transcription.models import Transcript


@pytest.fixture
def transcripts(media_fixtures):
    """Three transcripts, written directly: search does not depend on what Vosk hears."""
    texts = {
        "pit": ("we built a twin pit toilet near the well", ""),
        "hindi": ("हमने दो गड्ढे वाला शौचालय बनाया", ""),
        "soap": ("children wash hands with soap", "follow up with the school about soap"),
    }
    made = {}
    for name, (words, notes) in texts.items():
        recording = make_ready_recording(silence_wav(media_fixtures))
        made[name] = Transcript(recording_id=recording.id, status=Transcript.READY, text=words, notes=notes)
        db.session.add(made[name])
    db.session.commit()
    return made


def names(results, transcripts) -> list[str]:
    by_id = {t.id: name for name, t in transcripts.items()}
    return [by_id[t.id] for t in results]


def test_search_finds_words_in_transcripts(transcripts):
    assert names(transcript_search.search("twin pit"), transcripts) == ["pit"]
    assert names(transcript_search.search("PIT toilet"), transcripts) == ["pit"]
    assert names(transcript_search.search("twin soap"), transcripts) == []  # every word must be there


def test_search_finds_hindi_words(transcripts):
    assert names(transcript_search.search("गड्ढे"), transcripts) == ["hindi"]
    assert names(transcript_search.search("शौचालय बनाया"), transcripts) == ["hindi"]


def test_search_covers_curator_notes_and_follows_edits(transcripts):
    assert names(transcript_search.search("school"), transcripts) == ["soap"]
    review_queue.set_notes(transcripts["pit"].id, "call back: the school wants a pit too")
    assert sorted(names(transcript_search.search("school"), transcripts)) == ["pit", "soap"]
    db.session.delete(transcripts["soap"])
    db.session.commit()
    assert names(transcript_search.search("school"), transcripts) == ["pit"]


def test_search_ranks_more_mentions_higher(transcripts):
    assert names(transcript_search.search("soap"), transcripts) == ["soap"]
    review_queue.set_notes(transcripts["pit"].id, "soap")
    assert names(transcript_search.search("soap"), transcripts) == ["soap", "pit"]


@pytest.mark.parametrize("query", ['"', "soap OR", "NEAR(", "pit*", "-soap", "'; drop table", "   ", "()"])
def test_query_syntax_in_input_is_plain_text(transcripts, query):
    results = transcript_search.search(query)
    assert all(isinstance(t, Transcript) for t in results)
    if query == "pit*":
        assert names(results, transcripts) == ["pit"]
