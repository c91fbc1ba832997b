"""Typed lessons: a curator types the words, publishes, and the line speaks them."""

import io
import wave
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from audio import (
    lesson_library,
    store,
    typed,
)
from audio.models import Lesson, LessonTrack
from core.db import db
from core.models import Topic
from ivr.simulator import FlaskTransport, SimulatedCall
from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL, csrf_token

PARTS = [
    "बाढ़ के बाद हैंडपंप का पानी पीने से पहले उबाल लें।",
    "गड्ढे में पानी भर गया हो तो शौचालय का इस्तेमाल कुछ दिन रोकें और इंजीनियर को ख़बर दें।",
]
SCRIPT = f"{PARTS[0]}\n\n  {PARTS[1]}\n"
TITLE = "बाढ़ के बाद ज़रूरी सलाह"


def test_a_script_is_cut_into_parts_at_blank_lines():
    assert typed.split_script("one  two\nthree\n\n\n four \r\n\r\nfive") == ["one two three", "four", "five"]


@pytest.mark.parametrize(
    ("title", "script", "message"),
    [
        ("", "words", "a title is needed"),
        ("Title", " \n\n ", "the script is empty"),
        ("Title", "word " * 201, "part 1 has more than 200 words"),
    ],
)
def test_a_script_that_cannot_be_spoken_is_refused_with_a_reason(app, title, script, message):
    with pytest.raises(lesson_library.LibraryError, match=message):
        typed.create_typed_lesson(title, "hi", None, script)
    assert db.session.scalars(select(Lesson)).all() == []


def test_recorded_audio_replaces_the_synthetic_voice(app, audio_files):
    lesson = typed.create_typed_lesson(TITLE, "hi", None, SCRIPT)
    track = lesson.tracks[0]
    assert track.synthetic and [s.text for s in track.segments] == PARTS
    rendered = [s.playback_key for s in track.segments]
    assert all(store.exists(key) for key in rendered)
    with audio_files.speech_mp3.open("rb") as stream:
        lesson_library.save_track(lesson, "hi", TITLE, stream, "speech.mp3")
    assert not track.synthetic and all(not s.text for s in track.segments)
    assert not any(store.exists(key) for key in rendered)  # the synthetic renderings are gone


def test_a_campaign_playing_a_typed_lesson_plays_its_offline_rendering(app):
    from campaigns import (
        broadcast_content,
    )
    from tests.campaigns_fixtures import make_campaign

    lesson = typed.create_typed_lesson(TITLE, "hi", None, SCRIPT)
    lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    urls = broadcast_content.content_urls(make_campaign(lesson_id=str(lesson.id)), "hi")
    assert len(urls) == len(PARTS) and all("/media/lessons/" in url for url in urls)


def test_the_form_saves_a_draft_or_publishes_at_once(client, login):
    login("curator")
    token = csrf_token(client, "/audio/lessons/type")
    form = {"csrf_token": token, "title": TITLE, "language_code": "hi", "script": SCRIPT, "level": "1"}
    assert client.post("/audio/lessons/type", data=form).status_code == 302
    assert client.post("/audio/lessons/type", data={**form, "publish": "1"}).status_code == 302
    assert [lesson.status for lesson in db.session.scalars(select(Lesson).order_by(Lesson.id))] == [
        Lesson.DRAFT,
        Lesson.PUBLISHED,
    ]
    refused = client.post("/audio/lessons/type", data={**form, "script": ""})
    assert refused.status_code == 400 and "the script is empty" in refused.get_data(as_text=True)


def lesson_turn(app, caller: str):
    """A new caller chooses Hindi, then presses 1 (lessons, the topic, the lesson) until it plays."""
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, caller)
    call.start()
    call.press("1")  # हिन्दी
    for _ in range(4):
        turn = call.press("1")
        if any(PARTS[0] in heard.text or heard.kind == "play" for heard in turn.heard):
            return call, turn
    raise AssertionError(f"the lesson never played: {[h.describe() for h in turn.heard]}")


def says(turn) -> list[ET.Element]:
    _, body = turn.documents[-1]
    return list(ET.fromstring(body).iter("Say"))


@pytest.mark.browser
def test_a_curator_types_and_publishes_a_lesson_and_a_call_hears_it_spoken(page, live_server, app):
    topic = db.session.scalar(select(Topic).filter_by(slug="handwashing"))
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/audio/")
    page.click("text=Type a lesson")
    page.fill("input[name=title]", TITLE)
    page.select_option("select[name=language_code]", "hi")
    page.select_option("select[name=topic_id]", str(topic.id))
    page.fill("textarea[name=script]", SCRIPT)
    page.check("input[name=publish]")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=synthetic voice")
    assert PARTS[1] in page.inner_text("main")

    db.session.expire_all()
    track = db.session.scalar(select(LessonTrack).filter_by(title=TITLE))
    assert track.lesson.status == Lesson.PUBLISHED

    # Production settings: Twilio speaks each part with the configured Hindi voice.
    call, turn = lesson_turn(app, "+919800055601")
    [spoken] = [say for say in says(turn) if say.text == PARTS[0]]
    assert (spoken.get("voice"), spoken.get("language")) == ("Google.hi-IN-Standard-A", "hi-IN")
    turn = call.silence()
    assert [say.get("voice") for say in says(turn) if say.text == PARTS[1]] == ["Google.hi-IN-Standard-A"]

    # The sandbox (simulator, demo) plays the offline espeak-ng rendering instead.
    app.config["TTS_OFFLINE"] = "on"
    try:
        _, turn = lesson_turn(app, "+919800055602")
    finally:
        app.config["TTS_OFFLINE"] = "auto"
    [played] = [heard.url for heard in turn.heard if heard.kind == "play"]
    key = played.split("/media/", 1)[1].split("?", 1)[0]
    assert key == track.segments[0].playback_key
    with wave.open(io.BytesIO(store.read_bytes(key))) as rendering:
        assert rendering.getframerate() == 8000 and rendering.getnframes() > 8000


def test_retyping_the_words_rerenders_only_the_changed_part_and_the_library_marks_the_voice(client, login):
    login("curator")
    lesson = typed.create_typed_lesson(TITLE, "hi", None, SCRIPT)
    before = [s.playback_key for s in lesson.tracks[0].segments]
    token = csrf_token(client, f"/audio/lessons/{lesson.id}")
    changed = PARTS[1].replace("कुछ दिन", "दो दिन")
    form = {"csrf_token": token, "language_code": "hi", "title": TITLE, "script": f"{PARTS[0]}\n\n{changed}"}
    assert client.post(f"/audio/lessons/{lesson.id}/script", data=form).status_code == 302
    db.session.expire_all()
    after = db.session.get(Lesson, lesson.id).tracks[0].segments
    assert [s.text for s in after] == [PARTS[0], changed]
    assert after[0].playback_key == before[0] and after[1].playback_key != before[1]
    assert not store.exists(before[1])
    library = client.get("/audio/").get_data(as_text=True)
    assert "synthetic voice" in library and TITLE in library
