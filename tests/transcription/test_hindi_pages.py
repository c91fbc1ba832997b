"""Every curator and help-desk page of the transcription package reads in Hindi, filled with real data."""

import json
import re

from sqlalchemy import select

from audio.models import Recording
from core.db import db, utcnow
from core.i18n import COOKIE
from core.models import District, State, Topic
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.helpers import english_left, log_in
from tests.transcription_fixtures import speech_wav
from transcription import decisions, helpdesk, recognition
from transcription.models import Question, Transcript

TITLE = "गड्ढे की परत"
STORIES = [f"the {n} pit was lined with clay soil" for n in ("first", "second", "third", "fourth")]
WORDS = [["गड्ढा", 0.1, 0.5, 0.9], ["मिट्टी", 0.6, 1.0, 0.4]]


def _story(folder, text: str, contact) -> Recording:
    recording = make_processed_recording(
        speech_wav(folder, text, voice="en"),
        kind=Recording.STORY,
        language_code="hi",
        consent=Recording.NAMED,
        contact_id=contact.id,
    )
    db.session.add(
        Transcript(
            recording_id=recording.id,
            status=Transcript.READY,
            text="गड्ढा मिट्टी",
            words=json.dumps(WORDS, ensure_ascii=False),
            confidence=0.65,
            flags="low_confidence",
            needs_listening=True,
            notes="मिस्त्री से पूछें",
            priority=50,
        )
    )
    db.session.commit()
    return recording


def _fill(folder) -> dict:
    """A new story, a published one, a rejected one and an answered question, with their audit entries."""
    curator = make_staff("curator", username="asha", name="Asha")
    ramesh = make_contact(name="Ramesh", role="mason", district="Sitapur")
    water = db.session.scalar(select(Topic).filter_by(slug="twin-pit"))
    new, published, rejected, asked = (_story(folder, text, ramesh) for text in STORIES)
    decisions.audited_tag_change(new.id, water.id, "add", curator)
    decisions.save_notes(new.id, curator, "ध्यान से सुनें")
    decisions.save_transcript_text(new.id, decisions.review_for(new.id).version, curator, "गड्ढा")
    cuts = {"start_ms": 200, "end_ms": 1500, "remove": []}
    decisions.approve_story(published.id, 1, curator, TITLE, [water.id], cuts, True)
    decisions.reject(rejected.id, 1, curator, "केवल शोर")
    decisions.mark_question(asked.id, 1, curator, water.id)
    recognition.set_preference(ramesh.id, False, curator)
    helpdesk.set_expert_topics(curator, [water.id])
    question = db.session.scalar(select(Question).filter_by(recording_id=asked.id))
    question.status = Question.FAILED
    question.answer_key = asked.playback_key
    question.answer_seconds = 3.0
    question.expert_id = curator.id
    question.answered_at = utcnow()
    question.reason = ""
    db.session.commit()
    return {"recordings": (new, published, rejected, asked), "question": question}


def _names() -> tuple[str, ...]:
    places = db.session.scalars(select(District.name).union(select(State.name)))
    return ("asha", "Asha", "Ramesh", *places)


def test_every_transcription_page_reads_in_hindi(client, login, media_fixtures):
    filled = _fill(media_fixtures)
    question = filled["question"]
    login("curator", username="meera", is_expert=True)
    client.set_cookie(COOKIE, "hi")
    names = (*_names(), "meera")
    pages = ["/review/", "/review/?status=approved", "/review/?status=rejected", "/review/?status=question"]
    pages += [f"/review/{recording.id}" for recording in filled["recordings"]]
    pages += ["/review/helpdesk/", "/review/helpdesk/?all=1", f"/review/helpdesk/{question.id}"]
    pages += ["/review/time-to-share", "/review/?q=गड्ढा"]
    left = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        left[path] = english_left(response.get_data(as_text=True), names)
    assert {path: words for path, words in left.items() if words} == {}


def test_the_audit_log_reads_in_hindi(client, media_fixtures):
    _fill(media_fixtures)
    admin = make_staff("admin", username="sunil")
    log_in(client, admin.username)
    client.set_cookie(COOKIE, "hi")
    page = client.get("/review/audit").get_data(as_text=True)
    assert english_left(page, (*_names(), "sunil", TITLE)) == set()
    assert TITLE in page


def own_parts(page: str) -> str:
    """The learning page's words that come from this package: its heading and its tables' titles, notes
    and columns (the filter form, the other packages' tables and the chart frame are theirs to translate)."""
    parts = [page[page.index("<h1>") : page.index("</div>", page.index("<h1>"))]]
    for slug in ("published", "time-to-share"):
        section = re.search(rf'<section[^>]*id="{slug}".*?</section>', page, re.S).group(0)
        parts += re.findall(r"<h2>.*?</h2>|<p class=\"muted\">.*?</p>|<thead>.*?</thead>", section, re.S)
    return "\n".join(parts)


def test_the_learning_page_and_its_csv_read_in_hindi(client, login, media_fixtures):
    _fill(media_fixtures)
    login("curator")
    client.set_cookie(COOKIE, "hi")
    page = client.get("/review/analytics").get_data(as_text=True)
    assert "आपसी सीख" in page and "प्रकाशन में लगा समय (कॉल से प्रकाशन तक)" in page
    assert english_left(own_parts(page)) == set()
    csv = client.get("/review/analytics/time-to-share.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "सप्ताह (शुरुआत),माध्यिका (घंटे),90वाँ पर्सेंटाइल (घंटे)"
