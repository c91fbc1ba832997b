"""The audit log reads as sentences: who did what to which recording (its review-page number), what changed."""

import pytest
from sqlalchemy import select

from audio.models import Recording
from core.db import db
from core.i18n import COOKIE
from core.models import Topic
from tests.curator_fixtures import make_processed_recording, make_story_awaiting_review
from tests.factories import make_staff
from tests.helpers import log_in
from tests.transcription_fixtures import speech_wav
from transcription import decisions, erasure, share_times
from transcription.audit_sentences import audit_sentence

TITLE, NEW_TITLE = "Pit lining in clay soil", "Lining a pit in clay"


@pytest.fixture
def story(media_fixtures) -> Recording:
    """A story whose review row's number differs from the recording's (as on a live system)."""
    first = make_processed_recording(speech_wav(media_fixtures, "a first story", voice="en"))
    recording = make_story_awaiting_review(media_fixtures, Recording.NAMED, "we emptied the pit")
    assert decisions.review_for(recording.id).id != recording.id != first.id
    return recording


def sentences(recording: Recording) -> list[str]:
    """The recording's audit entries as sentences, oldest first."""
    entries = share_times.audit_log(50, "reviews", decisions.review_for(recording.id).id)
    entries += share_times.audit_log(50, "transcripts")
    return [audit_sentence(entry) for entry in sorted(entries, key=lambda entry: entry.id)]


def test_a_publication_and_its_changes_read_as_sentences_naming_the_recording(app, story):
    asha = make_staff("curator", username="asha", name="Asha")
    twin_pit = db.session.scalar(select(Topic).filter_by(slug="twin-pit"))
    decisions.approve_story(story.id, 1, asha, TITLE, [twin_pit.id], {"start_ms": 200})
    version = decisions.review_for(story.id).version
    cuts = {"start_ms": 300, "end_ms": 2000, "remove": [[800, 900]]}
    decisions.approve_story(story.id, version, asha, NEW_TITLE, [twin_pit.id], cuts)
    decisions.save_transcript_text(story.id, decisions.review_for(story.id).version, asha, "we lined the pit")
    with app.test_request_context():
        first, again, corrected = sentences(story)
    number = story.id
    assert first.startswith(f"Asha approved story “{TITLE}” (recording {number}): ")
    assert "status changed from new to approved" in first and "topics: Twin pit toilets" in first
    assert "trim: 0.2 s to the end" in first
    assert again.startswith(f"Asha approved story “{NEW_TITLE}” (recording {number}): ")
    assert f"title changed from “{TITLE}” to “{NEW_TITLE}”" in again
    assert "trim changed from “0.2 s to the end” to “0.3 s to 2 s, without 0.8–0.9 s”" in again
    assert "status changed" not in again  # approved stays approved
    assert corrected == (
        f"Asha corrected the transcript of recording {number}: "
        "transcript changed from “we emptied the pit” to “we lined the pit”."
    )
    assert "{" not in first + again + corrected and "reviews" not in first + again


def test_sentences_are_in_the_readers_language(app, story):
    decisions.reject(story.id, 1, make_staff("curator", name="Asha"), "only noise")
    with app.test_request_context(environ_base={"HTTP_COOKIE": f"{COOKIE}=hi"}):
        (sentence,) = sentences(story)
    assert sentence == (
        f"Asha ने रिकॉर्डिंग {story.id} अस्वीकार की: स्थिति नई से बदलकर अस्वीकृत हुई; कारण: “only noise”।"
    )


def test_an_erased_callers_words_stay_out_of_the_sentence(app, story):
    decisions.reject(story.id, 1, make_staff("curator", name="Asha"), "Sunita Devi said her address")
    erasure.scrub_audit_log(story.contact_id)
    db.session.commit()
    with app.test_request_context():
        (sentence,) = sentences(story)
    assert "Sunita" not in sentence and "address" not in sentence
    assert (
        sentence.startswith("Asha rejected recording")
        and "personal details removed at the person's request" in sentence
    )


def test_the_audit_page_shows_sentences_and_local_times(client, app, story):
    decisions.reject(story.id, 1, make_staff("curator", name="Asha"), "only noise")
    log_in(client, make_staff("admin").username)
    page = client.get("/review/audit").get_data(as_text=True)
    assert f"Asha rejected recording {story.id}: status changed from new to rejected" in page
    assert "{&#34;" not in page and '{"status"' not in page and "reviews #" not in page
    assert "UTC" not in page.split("<footer")[0]
