"""Retention: a daily job deletes old callers' audio (unless published) and unlinks old call logs."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audio import (
    recording_pipeline,
    store,
    voice_retention,
)
from audio.models import Lesson, Recording
from core import queue
from core.config import ConfigError, build_config, validate
from core.db import db, utcnow
from ivr.models import Call, Callback, Feedback, ListenEvent, SmsMessage, TriedIt
from tests.factories import make_contact
from tests.ivr_fixtures import make_lesson, sid, tiny_wav

OLD = utcnow() - timedelta(days=400)  # past RETENTION_DAYS_RECORDINGS
ANCIENT = utcnow() - timedelta(days=800)  # past RETENTION_DAYS_CALL_LOGS too


def stored_recording(created_at, contact=None) -> Recording:
    recording = Recording(
        recording_sid=sid("RE"),
        contact_id=contact.id if contact else None,
        status=Recording.READY,
        created_at=created_at,
    )
    db.session.add(recording)
    db.session.flush()
    for name in ("original", "recognition", "playback"):
        key = recording_pipeline.recording_key(recording.id, name)
        store.write_bytes(key, tiny_wav())
        setattr(recording, f"{name}_key", key)
    db.session.commit()
    return recording


def story_from(recording: Recording, status: str) -> Lesson:
    lesson = Lesson(kind=Lesson.STORY, source_recording_id=recording.id, status=status)
    db.session.add(lesson)
    db.session.commit()
    store.write_bytes(f"lessons/{lesson.id}/en/full-abc.wav", tiny_wav())
    return lesson


def test_old_unpublished_audio_is_deleted_and_published_stories_stay(app):
    old, published, recent = stored_recording(OLD), stored_recording(OLD), stored_recording(utcnow())
    draft = story_from(old, Lesson.RETIRED)
    story_from(published, Lesson.PUBLISHED)
    assert voice_retention.expire_old_recordings(365) == 1
    db.session.expire_all()
    assert store.keys(f"recordings/{old.id}/") == [] and store.keys(f"lessons/{draft.id}/") == []
    assert db.session.get(Lesson, draft.id) is None
    expired = db.session.get(Recording, old.id)
    assert (
        expired.original_key == "" and voice_retention.AUDIO_EXPIRED in expired.flags
    )  # the row stays for counts
    assert (
        len(store.keys(f"recordings/{published.id}/")) == 3
        and len(store.keys(f"recordings/{recent.id}/")) == 3
    )
    assert voice_retention.expire_old_recordings(365) == 0  # nothing twice
    assert voice_retention.expire_old_recordings(0) == 0  # 0 keeps forever


def test_zero_keeps_recordings_forever(app):
    old = stored_recording(OLD)
    assert voice_retention.expire_old_recordings(0) == 0
    assert len(store.keys(f"recordings/{old.id}/")) == 3


def test_files_left_by_a_job_racing_an_erasure_are_removed(app):
    store.write_bytes("recordings/999/original.wav", tiny_wav())
    kept = stored_recording(utcnow())
    assert voice_retention.remove_orphaned_recording_files() == 1
    assert store.keys("recordings/999/") == [] and len(store.keys(f"recordings/{kept.id}/")) == 3


def test_old_call_logs_lose_their_link_to_people_and_old_texts_go(app):
    from ivr import call_log_retention, listening_summaries

    person = make_contact()
    lesson = make_lesson()
    old_call = Call(call_sid=sid("CA"), contact_id=person.id, started_at=ANCIENT)
    new_call = Call(call_sid=sid("CA"), contact_id=person.id)
    db.session.add_all([old_call, new_call])
    db.session.flush()
    db.session.add_all(
        [
            ListenEvent(
                call_id=old_call.id,
                contact_id=person.id,
                lesson_id=lesson.id,
                segment_position=0,
                event="start",
                created_at=ANCIENT,
            ),
            Feedback(
                call_id=old_call.id,
                contact_id=person.id,
                lesson_id=lesson.id,
                useful=True,
                created_at=ANCIENT,
            ),
            TriedIt(call_id=old_call.id, contact_id=person.id, lesson_id=lesson.id, created_at=ANCIENT),
            SmsMessage(message_sid=sid("SM"), contact_id=person.id, body="old text", created_at=ANCIENT),
            SmsMessage(message_sid=sid("SM"), contact_id=person.id, body="new text"),
            Callback(contact_id=person.id, missed_call_sid=sid("CA"), created_at=ANCIENT),
        ]
    )
    db.session.commit()
    listening_summaries.refresh_summaries()  # the analytics pages' summaries of those calls go too
    counts = call_log_retention.expire_call_logs(730)
    assert counts == {
        "calls": 1,
        "listening events": 1,
        "listening summaries": 1,
        "first calls": 1,
        "feedback": 1,
        '"I tried this" answers': 1,
        "village meeting listens": 0,
        "text messages": 1,
        "callbacks": 1,
    }
    db.session.expire_all()
    assert db.session.get(Call, old_call.id).contact_id is None
    assert db.session.get(Call, new_call.id).contact_id == person.id
    assert db.session.scalars(select(SmsMessage.body)).all() == ["new text"]
    assert db.session.scalar(select(func.count()).select_from(ListenEvent)) == 1  # counted, not linked
    assert call_log_retention.expire_call_logs(0) == {}


def test_the_daily_jobs_are_declared_and_run_from_the_queue(app, work):
    old = stored_recording(OLD)
    declared = {job.name: job.every_seconds for job in queue.periodic_jobs()}
    assert (
        declared["audio.jobs.enforce_retention"] == 86400 and declared["ivr.jobs.enforce_retention"] == 86400
    )
    queue.enqueue_due([j for j in queue.periodic_jobs() if "retention" in j.name])
    work("audio", "default")
    assert store.keys(f"recordings/{old.id}/") == []


@pytest.mark.parametrize("value", ["-1", "a year", "1.5"])
def test_retention_settings_must_be_whole_days(value, tmp_path):
    config = build_config(
        {"CHAUPAL_ENV": "testing", "INSTANCE_PATH": str(tmp_path), "RETENTION_DAYS_RECORDINGS": value}
    )
    with pytest.raises(ConfigError, match="RETENTION_DAYS_RECORDINGS"):
        validate(config)
