"""Places, topics, lessons, stories, recordings, campaigns and analytics through the API, walled by district."""

from datetime import timedelta

from sqlalchemy import select

from audio.models import Lesson, Recording
from campaigns.models import Campaign
from core.db import db, utcnow
from core.models import Contact, Topic
from tests.campaigns_fixtures import make_lesson
from tests.factories import district, make_contact
from transcription.models import TopicTag, Transcript


def make_recording(
    district_name: str, consent: str = Recording.NAMED, text: str = "gaddhe ka paani", **fields
):
    """A ready recording by a caller of the district, transcribed and tagged."""
    contact = make_contact(district=district_name)
    topic = db.session.scalar(select(Topic).filter_by(slug="handwashing"))
    recording = Recording(
        contact_id=contact.id,
        consent=consent,
        status=Recording.READY,
        language_code="hi",
        duration_seconds=12.5,
        topic_id=topic.id,
        **fields,
    )
    db.session.add(recording)
    db.session.flush()
    db.session.add(Transcript(recording_id=recording.id, status=Transcript.READY, text=text, confidence=0.8))
    db.session.add(
        TopicTag(recording_id=recording.id, topic_id=topic.id, source="curator", status="accepted")
    )
    db.session.commit()
    return recording


def test_topics_are_listed_for_any_token(api, make_token):
    slugs = [
        t["slug"] for t in api("GET", "/topics?limit=500", make_token(districts=["Sitapur"])).json["results"]
    ]
    assert "handwashing" in slugs


def test_lessons_carry_an_audio_url_that_needs_the_token(api, make_token, client):
    lesson = make_lesson(languages=("hi", "en"))
    lesson.tracks[0].playback_key = "lessons/1/hi.wav"
    db.session.commit()
    draft = make_lesson()
    draft.status = Lesson.DRAFT
    db.session.commit()
    secret = make_token(districts=["Sitapur"])
    listed = api("GET", "/lessons", secret).json["results"]
    assert [item["id"] for item in listed] == [lesson.id]
    track = next(t for t in api("GET", f"/lessons/{lesson.id}", secret).json["tracks"] if t["audio_url"])
    path = track["audio_url"].split("/api/v1", 1)[1]
    assert client.get("/api/v1" + path).status_code == 401
    audio = api("GET", path, secret)
    assert audio.status_code == 302 and "/media/lessons/1/hi.wav?e=" in audio.headers["Location"]
    assert api("GET", f"/lessons/{lesson.id}/audio?language=ta", secret).status_code == 404
    assert api("GET", f"/lessons/{draft.id}", secret).status_code == 404


def test_stories_belong_to_their_callers_district(api, make_token):
    ours = make_lesson(kind=Lesson.STORY, source_recording_id=make_recording("Sitapur").id)
    theirs = make_lesson(kind=Lesson.STORY, source_recording_id=make_recording("Lucknow").id)
    secret = make_token(districts=["Sitapur"])
    assert [s["id"] for s in api("GET", "/stories", secret).json["results"]] == [ours.id]
    assert api("GET", f"/lessons/{theirs.id}", secret).status_code == 404
    assert len(api("GET", "/stories", make_token()).json["results"]) == 2


def test_recordings_only_with_consent_and_never_trainers_only(api, make_token):
    named = make_recording("Sitapur", Recording.NAMED)
    anonymous = make_recording("Sitapur", Recording.ANONYMOUS)
    trainers = make_recording("Sitapur", Recording.TRAINERS_ONLY)
    elsewhere = make_recording("Lucknow", Recording.NAMED)
    secret = make_token(districts=["Sitapur"])
    listed = {r["id"]: r for r in api("GET", "/recordings", secret).json["results"]}
    assert set(listed) == {named.id, anonymous.id}
    assert listed[named.id]["contact_id"] == named.contact_id and listed[anonymous.id]["contact_id"] is None
    assert listed[named.id]["transcript"]["text"] == "gaddhe ka paani"
    assert listed[named.id]["tags"] == [{"topic": "handwashing", "status": "accepted"}]
    for hidden in (trainers, elsewhere):
        assert api("GET", f"/recordings/{hidden.id}", secret).status_code == 404


def test_campaigns_are_created_scheduled_followed_and_cancelled_within_the_districts(api, make_token):
    lesson = make_lesson()
    secret = make_token("write", districts=["Sitapur"])
    sitapur, lucknow = district("Sitapur").id, district("Lucknow").id
    outside = api(
        "POST", "/campaigns", secret, json={"name": "x", "district_ids": [lucknow], "lesson_id": lesson.id}
    )
    assert outside.status_code == 400 and outside.json["error"]["field"] == "district_ids"
    created = api(
        "POST",
        "/campaigns",
        secret,
        json={"name": "Twin pits", "district_ids": [sitapur], "lesson_id": lesson.id},
    )
    assert created.status_code == 201, created.json
    campaign_id = created.json["id"]
    later = (utcnow() + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    scheduled = api(
        "POST", f"/campaigns/{campaign_id}/schedule", secret, json={"when": "at", "send_at": later}
    )
    assert scheduled.status_code == 200 and scheduled.json["status"] == "scheduled"
    assert scheduled.json["send_at"].endswith("Z")
    progress = api("GET", f"/campaigns/{campaign_id}/progress", secret).json
    assert progress["recipients"] == 0 and progress["status"] == "scheduled"
    assert api("POST", f"/campaigns/{campaign_id}/cancel", secret).json["status"] == "cancelled"
    again = api("POST", f"/campaigns/{campaign_id}/schedule", secret, json={"when": "now"})
    assert again.status_code == 409


def test_another_districts_campaign_is_invisible_and_untouchable(api, make_token):
    lesson = make_lesson()
    theirs = make_token("write")
    body = {"name": "Lucknow week", "district_ids": [district("Lucknow").id], "lesson_id": lesson.id}
    campaign_id = api("POST", "/campaigns", theirs, json=body).json["id"]
    secret = make_token("write", districts=["Sitapur"])
    assert api("GET", "/campaigns", secret).json["results"] == []
    for method, path in (("GET", ""), ("GET", "/progress"), ("POST", "/cancel")):
        assert api(method, f"/campaigns/{campaign_id}{path}", secret).status_code == 404
    assert api("POST", f"/campaigns/{campaign_id}/schedule", secret, json={"when": "now"}).status_code == 404
    assert db.session.get(Campaign, campaign_id).status == Campaign.DRAFT


def test_the_analytics_summary_keeps_to_the_tokens_districts(api, make_token):
    secret = make_token(districts=["Sitapur"])
    summary = api("GET", "/analytics/summary?start=2026-11-01&end=2026-11-28", secret)
    assert summary.status_code == 200 and summary.json["start"] == "2026-11-01"
    assert all({"table", "figure", "value"} <= set(f) for f in summary.json["figures"])
    assert api("GET", f"/analytics/summary?district_id={district('Lucknow').id}", secret).status_code == 403
    assert api("GET", f"/analytics/summary?district_id={district('Sitapur').id}", secret).status_code == 200


def test_an_erased_person_disappears_from_every_answer(api, make_token):
    from ivr import (
        contact_erasure,
    )

    recording = make_recording("Sitapur", Recording.NAMED)
    story = make_lesson(kind=Lesson.STORY, source_recording_id=recording.id)
    person = db.session.get(Contact, recording.contact_id)
    secret = make_token(sees_phones=True)
    phone, person_id = person.phone, person.id
    assert api("GET", f"/contacts/{person.id}", secret).status_code == 200
    contact_erasure.erase_now(person, "staff")
    assert api("GET", f"/contacts/{person_id}", secret).status_code == 404
    for path in ("/recordings", "/enrolments", "/quiz-results"):
        assert all(r["contact_id"] != person_id for r in api("GET", path, secret).json["results"]), path
    assert api("GET", "/contacts", secret).json["results"] == []
    assert api("GET", "/stories", secret).json["results"] == []
    assert phone not in api("GET", "/contacts?limit=500", secret).get_data(as_text=True)
    assert api("GET", f"/lessons/{story.id}", secret).status_code == 404
    assert api("GET", f"/recordings/{recording.id}", secret).status_code == 404
