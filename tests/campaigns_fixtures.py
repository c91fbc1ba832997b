"""Helpers for campaign tests: published lessons, campaigns ready to run, a pinned campaign clock."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audio.models import Lesson, LessonSegment, LessonTrack
from campaigns import (
    editing,
)
from campaigns.models import Campaign
from core.db import db, utcnow
from tests.factories import make_staff

IST = ZoneInfo("Asia/Kolkata")
_lessons = itertools.count(1)


def make_lesson(kind: str = Lesson.LESSON, languages=("hi",), segments: int = 2, **fields) -> Lesson:
    """A published lesson (or story) with playable segments in each language."""
    fields.setdefault("published_at", utcnow())
    lesson = Lesson(kind=kind, status=Lesson.PUBLISHED, **fields)
    number = next(_lessons)
    for code in languages:
        track = LessonTrack(language_code=code, title=f"Twin pits ({code})")
        for i in range(segments):
            segment = LessonSegment(position=i, start_ms=i * 900, end_ms=(i + 1) * 900)
            segment.playback_key = f"l{number}/{code}{i}"
            track.segments.append(segment)
        lesson.tracks.append(track)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def make_campaign(user=None, districts=(), **fields) -> Campaign:
    """A saved campaign (voice, playing a fresh lesson unless told otherwise)."""
    user = user or make_staff(role="officer", districts=districts or ("Sitapur",))
    templates = {key[4:]: fields.pop(key) for key in list(fields) if key.startswith("sms_")}
    form = {"name": "Twin pit week", "kind": "voice", "content": "lesson", "sms_templates": templates}
    form.update(fields)
    if form["content"] in ("lesson", "story") and "lesson_id" not in form:
        form["lesson_id"] = str(make_lesson(kind=form["content"]).id)
    return editing.save_campaign(None, form, user)


def set_clock(app, moment: datetime) -> None:
    """Make the campaign clock show `moment` from now on (it keeps running)."""
    app.config["CLOCK_OFFSET_SECONDS"] = (moment - utcnow()).total_seconds()


def monday(hour: int, minute: int = 0, weeks: int = 0) -> datetime:
    """A Monday in the future at the given local time in India."""
    return datetime(2030, 1, 7, hour, minute, tzinfo=IST) + timedelta(weeks=weeks)


@pytest.fixture
def clock(app):
    """Pin the campaign clock for a test: clock(moment); restored afterwards."""
    saved = {key: app.config[key] for key in ("CLOCK_OFFSET_SECONDS", "CAMPAIGN_CALLS_PER_SECOND")}

    def pin(moment: datetime) -> datetime:
        set_clock(app, moment)
        return moment

    yield pin
    app.config.update(saved)
