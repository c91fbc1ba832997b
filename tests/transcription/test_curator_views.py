"""Curator pages: queue filters and counts, the review page, conflicts shown plainly, audit for admins, roles."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from audio.models import Recording
from core.db import db, utcnow
from core.models import Topic
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact, make_staff
from tests.helpers import csrf_token
from tests.security.test_routes import url_for_rule
from tests.transcription_fixtures import make_ready_recording, silence_wav, speech_wav
from transcription import (
    decisions,
    review_queue,
)
from transcription.models import Review, Transcript


def transcribed(folder, text, **contact_fields) -> Recording:
    contact = make_contact(**contact_fields)
    recording = make_ready_recording(silence_wav(folder), contact_id=contact.id)
    db.session.add(Transcript(recording_id=recording.id, status=Transcript.READY, text=text, priority=50))
    db.session.commit()
    return recording


def test_the_queue_counts_each_status_and_filters_by_place_role_and_date(client, login, media_fixtures):
    mason = transcribed(media_fixtures, "mason in sitapur", role="mason", district="Sitapur")
    transcribed(media_fixtures, "motivator elsewhere", role="motivator")
    decisions.reject(mason.id, 1, make_staff("curator"), "noise")
    login("curator")
    html = client.get("/review/").get_data(as_text=True)
    assert "motivator elsewhere" in html and "mason in sitapur" not in html
    assert '<span class="count">1</span>' in html  # one new, one rejected
    rejected = client.get("/review/?status=rejected").get_data(as_text=True)
    assert "mason in sitapur" in rejected and "motivator elsewhere" not in rejected
    district = mason.contact.district_id
    by_place = client.get(f"/review/?status=rejected&district={district}&role=mason").get_data(as_text=True)
    assert "mason in sitapur" in by_place
    assert "mason in sitapur" not in client.get("/review/?status=rejected&role=motivator").get_data(
        as_text=True
    )
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert "motivator elsewhere" not in client.get(f"/review/?from={tomorrow}").get_data(as_text=True)
    assert "motivator elsewhere" in client.get(f"/review/?to={tomorrow}").get_data(as_text=True)
    assert review_queue.status_counts()[Review.REJECTED] == 1


def test_search_covers_curators_notes(client, login, media_fixtures):
    recording = transcribed(media_fixtures, "plain words")
    curator = login("curator")
    decisions.save_notes(recording.id, curator, "good example of pit emptying")
    assert "plain words" in client.get("/review/?q=emptying").get_data(as_text=True)


def test_the_review_page_masks_the_number_except_for_admins(client, login, media_fixtures):
    recording = transcribed(media_fixtures, "hello", phone="+919812300077", role="mason", district="Sitapur")
    login("curator")
    html = client.get(f"/review/{recording.id}").get_data(as_text=True)
    assert "+919812300077" not in html and "+91••••••0077" in html and "Sitapur" in html and "mason" in html
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/review/{recording.id}")})
    login("admin")
    assert "+919812300077" in client.get(f"/review/{recording.id}").get_data(as_text=True)


def test_a_stale_decision_is_refused_with_a_clear_message(client, login, media_fixtures):
    recording = make_processed_recording(speech_wav(media_fixtures, "a soak pit story", voice="en"))
    decisions.reject(recording.id, 1, make_staff("curator", name="Asha"), "duplicate")
    login("curator")
    token = csrf_token(client, f"/review/{recording.id}")
    response = client.post(
        f"/review/{recording.id}/approve",
        data={"csrf_token": token, "version": "1", "title": "Story"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Asha changed this recording while you had it open" in html and "not saved" in html
    assert decisions.review_for(recording.id).status == Review.REJECTED


def test_tags_edited_on_the_page_are_kept_with_their_source(client, login, media_fixtures):
    recording = transcribed(media_fixtures, "words")
    twin_pit = str(db.session.scalar(select(Topic.id).filter_by(slug="twin-pit")))
    login("curator")
    token = csrf_token(client, f"/review/{recording.id}")
    client.post(
        f"/review/{recording.id}/tags", data={"csrf_token": token, "action": "add", "topic_id": twin_pit}
    )
    html = client.get(f"/review/{recording.id}").get_data(as_text=True)
    assert "tag-accepted" in html and ">curator<" in html
    refused = client.post(
        f"/review/{recording.id}/tags",
        data={"csrf_token": token, "action": "boost", "topic_id": twin_pit},
        follow_redirects=True,
    )
    assert "Choose a topic" in refused.get_data(as_text=True)


def test_the_audit_log_is_for_admins(client, login, media_fixtures):
    recording = transcribed(media_fixtures, "words")
    decisions.reject(recording.id, 1, make_staff("curator", username="asha"), "noise")
    login("curator")
    assert client.get("/review/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/review/")})
    login("admin")
    html = client.get("/review/audit").get_data(as_text=True)
    assert "asha" in html and "reject" in html and "noise" in html


def test_time_to_share_page_shows_the_numbers(client, login, media_fixtures):
    recording = make_processed_recording(speech_wav(media_fixtures, "a soak pit story", voice="en"))
    decisions.approve_story(recording.id, 1, make_staff("curator", name="Asha"), "Story", [], None)
    login("curator")
    html = client.get("/review/time-to-share").get_data(as_text=True)
    assert "Overall" in html and "Asha" in html


def curator_routes(app) -> list[tuple[str, str, str]]:
    wanted = [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if (rule.endpoint.startswith("transcription.") and rule.endpoint != "transcription.static")
        or rule.endpoint == "audio.staff_file"
        for method in ("GET", "POST")
        if method in rule.methods
    ]
    return [(method, rule.endpoint, url_for_rule(rule)) for method, rule in wanted]


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_officers_and_strangers_reach_no_review_page_and_no_audio(app, client, login, media_fixtures, who):
    recording = make_processed_recording(speech_wav(media_fixtures, "a soak pit story", voice="en"))
    if who == "officer":
        login("officer")
    token = csrf_token(client, "/login")
    routes = curator_routes(app) + [("GET", "audio.staff_file", f"/audio/files/{recording.playback_key}")]
    assert len(routes) > 15
    for method, endpoint, url in routes:
        url = url.replace("/1", f"/{recording.id}", 1) if "/review/" in url else url
        response = client.open(url, method=method, data={"csrf_token": token})
        expected = (302,) if who == "anonymous" else (403,)
        assert response.status_code in expected, f"{who} {method} {endpoint} {url}: {response.status_code}"
    assert db.session.scalar(select(Review.status)) in (None, Review.NEW)
