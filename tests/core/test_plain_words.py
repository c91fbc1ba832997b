"""Staff pages say languages by name and leave out speech-model names and encodings."""

from audio.models import Recording
from core.db import db
from tests.campaigns_fixtures import make_campaign
from tests.factories import make_contact
from tests.transcription_fixtures import make_ready_recording, silence_wav
from transcription.models import Transcript


def test_the_review_queue_names_the_language_and_not_the_model(client, login, media_fixtures):
    contact = make_contact(language_code="hi")
    recording = make_ready_recording(silence_wav(media_fixtures), kind=Recording.STORY, contact_id=contact.id)
    transcript = Transcript(recording_id=recording.id, status=Transcript.READY, text="pit", confidence=0.8)
    transcript.model_name = "vosk-model-small-hi"
    transcript.model_version = "0.22"
    db.session.add(transcript)
    db.session.commit()
    login("curator")
    queue = client.get("/review/").get_data(as_text=True)
    review = client.get(f"/review/{recording.id}").get_data(as_text=True)
    for page in (queue, review):
        assert "Hindi" in page and "vosk" not in page
    assert "recognised with 80% confidence" in queue
    client.set_cookie("chaupal_language", "hi")
    assert "हिन्दी" in client.get("/review/").get_data(as_text=True).split("</header>")[1]


def test_the_campaign_page_says_languages_by_name_without_encodings(client, login):
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(user=officer, kind="both", sms_hi="नमस्ते {name}")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "<strong>Hindi</strong>" in page and "UCS-2" not in page
