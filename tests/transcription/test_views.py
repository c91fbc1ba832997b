"""The curator's review queue page: ordered, filtered, searchable, numbers masked."""

from core.db import db
from tests.factories import make_contact
from tests.transcription_fixtures import make_ready_recording, silence_wav
from transcription.models import Transcript


def transcribed(media_fixtures, words, kind, priority, phone):
    contact = make_contact(phone=phone)
    recording = make_ready_recording(silence_wav(media_fixtures), kind=kind, contact_id=contact.id)
    db.session.add(
        Transcript(recording_id=recording.id, status=Transcript.READY, text=words, priority=priority)
    )
    db.session.commit()
    return recording


def test_curators_see_the_queue_in_priority_order_with_masked_numbers(client, login, media_fixtures):
    transcribed(media_fixtures, "a story about soak pits", "story", 60, "+919812345601")
    transcribed(media_fixtures, "how deep should the pit be", "question", 120, "+919812345602")
    login("curator")
    html = client.get("/review/").get_data(as_text=True)
    assert html.index("how deep should the pit be") < html.index("a story about soak pits")
    assert "+919812345602" not in html and "+91••••••5602" in html
    only_stories = client.get("/review/?kind=story").get_data(as_text=True)
    assert "soak pits" in only_stories and "how deep" not in only_stories


def test_the_queue_page_searches_transcripts(client, login, media_fixtures):
    transcribed(media_fixtures, "a story about soak pits", "story", 60, "+919812345601")
    transcribed(media_fixtures, "how deep should the pit be", "question", 120, "+919812345602")
    login("curator")
    html = client.get("/review/?q=soak").get_data(as_text=True)
    assert "soak pits" in html and "how deep" not in html


def test_officers_cannot_open_the_queue(client, login):
    login("officer")
    assert client.get("/review/").status_code == 403
