"""The curator workspace in Debian's Chromium: listen, read along, tag, publish; then a caller hears the story."""

import pytest
from sqlalchemy import select

from audio.models import Lesson
from core.db import db
from ivr import jobs as ivr_jobs
from ivr.simulator import FlaskTransport, SimulatedCall
from tests.browser import log_in, wait_until
from tests.curator_fixtures import make_transcribed_story
from tests.factories import STAFF_PASSWORD, make_staff
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from transcription.models import Question, Review, TopicTag, Transcript

pytestmark = pytest.mark.browser
TITLE = "गड्ढे की सफ़ाई की कहानी"


def current_time(page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


@pytest.mark.usefixtures("test_model")
def test_a_curator_listens_tags_and_publishes_and_the_story_plays_on_the_line(
    page, live_server, app, media_fixtures, tmp_path, monkeypatch
):
    recording, transcript = make_transcribed_story(media_fixtures)
    assert transcript.status == "ready" and len(transcript.words) > 2, transcript.reason
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)

    page.goto(live_server.url + "/review/")
    page.click(f"a[href='/review/{recording.id}']")
    page.wait_for_selector("#words .word")

    page.click("#play")
    wait_until(page, "document.getElementById('player').currentTime > 0.3", timeout=15000)
    page.click("#play")  # pause
    word = page.locator("#words .word").nth(2)
    start = float(word.get_attribute("data-start"))
    word.click()
    wait_until(page, f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.0", timeout=5000)
    page.wait_for_selector("#words .word.speaking", timeout=5000)
    assert current_time(page) >= start - 0.05
    assert " 100% " not in page.get_attribute("#played", "style")  # the waveform shows how far it played
    box = page.locator("#waveform").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    wait_until(
        page,
        "document.getElementById('player').currentTime > 0.8 * document.getElementById('player').duration",
    )
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    page.select_option(".add-tag select[name=topic_id]", label="Twin pit toilets")
    page.click("text=Add topic")
    page.wait_for_selector(".tag-accepted")
    page.fill("#approve input[name=title]", TITLE)
    page.fill("#approve input[name=start]", "0.2")
    page.click("#approve button[type=submit]")
    page.wait_for_selector("text=Published: callers hear it now")

    db.session.expire_all()
    review = db.session.query(Review).filter_by(recording_id=recording.id).one()
    assert review.status == Review.APPROVED and review.lesson_id
    accepted = db.session.query(TopicTag).filter_by(recording_id=recording.id, status=TopicTag.ACCEPTED).all()
    assert accepted

    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800055501")
    call.start()
    call.press("1")  # हिन्दी
    turn = call.press("2")  # peer stories: the only one is not offered as a list, it plays
    played = [heard.url for heard in turn.heard if heard.kind == "play"]
    lesson = db.session.get(Lesson, review.lesson_id)
    assert played and all("/media/lessons/" in url for url in played)
    assert lesson.status == Lesson.PUBLISHED and lesson.kind == Lesson.STORY

    monkeypatch.setitem(app.config, "RECOGNITION_MILESTONES", "1")
    assert ivr_jobs.send_listen_milestones() == 1  # the caller's listening counts towards the teller's thanks


def test_the_review_and_help_desk_pages_fit_a_phone_screen(browser, live_server, media_fixtures, tmp_path):
    from tests.curator_fixtures import make_processed_recording
    from tests.transcription_fixtures import speech_wav
    from transcription import (
        decisions,
    )

    recording = make_processed_recording(speech_wav(media_fixtures, "how deep is the pit", voice="en"))
    db.session.add(
        Transcript(recording_id=recording.id, status=Transcript.READY, text="how deep is the pit " * 8)
    )
    db.session.commit()
    decisions.mark_question(recording.id, 1, make_staff("curator"), None)
    question_id = db.session.scalar(select(Question.id))
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    curator = make_staff("curator")
    log_in(phone, live_server, curator.username, STAFF_PASSWORD)
    for path in (f"/review/{recording.id}", f"/review/helpdesk/{question_id}", "/review/?status=question"):
        phone.goto(live_server.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        phone.screenshot(
            path=str(tmp_path / (path.strip("/").replace("/", "-").replace("?", "-") + ".png")),
            full_page=True,
        )
        assert overflow <= 1, f"{path} is {overflow}px wider than a 360px phone screen"
    context.close()
