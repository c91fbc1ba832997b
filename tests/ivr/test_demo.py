"""The living demo: stories, an answered question, a finished campaign and a month of calls, never in production."""

import csv
import io

import pytest
from sqlalchemy import func, select

from audio import store
from audio.models import Lesson, Recording
from campaigns.models import Campaign
from core import cli, seed
from core.db import db
from core.models import Contact
from ivr import demo
from ivr.models import Call
from tests import snapshots
from tests.analytics_fixtures import expected_calls_per_day, inside, last_28_days, sql
from transcription.models import Question, Transcript


def headlines(client, page_path: str) -> dict[str, str]:
    """The at-a-glance figures of an analytics page, as it exports them."""
    response = client.get(f"{page_path}/headlines.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    return {label: value for _, label, value in rows}


@pytest.fixture(scope="module")
def saved_demo(app, twilio_server, tmp_path_factory) -> snapshots.Snapshot:
    """What the first start makes, built once for the module: every test here only reads it."""
    with app.app_context():
        seed.seed_reference()
        seed.seed_demo_staff()
        assert cli.seed_packages(app, demo=True) == []
        saved = snapshots.save(tmp_path_factory.mktemp("demo"))
        snapshots.clear()
    twilio_server.reset()
    return saved


@pytest.fixture
def fresh_demo(saved_demo):
    """The demo as the first start made it: demo staff and contacts, then every package's demo step."""
    snapshots.restore(saved_demo)


def in_range(rows) -> int:
    return sum(1 for (at,) in rows if inside(at, last_28_days()))


@pytest.mark.usefixtures("fresh_demo")
def test_analytics_on_the_fresh_demo_show_figures_that_match_plain_sql(client, login):
    login("curator")
    dashboard, learning = headlines(client, "/campaigns/analytics"), headlines(client, "/review/analytics")
    assert all(value not in ("", "0", "—") for value in [*dashboard.values(), *learning.values()]), (
        dashboard,
        learning,
    )
    per_day = expected_calls_per_day(last_28_days())
    assert int(dashboard["Calls"]) == sum(calls for calls, _, _ in per_day.values()) > 1000
    unique = {
        c for (c, at) in sql("SELECT contact_id, started_at FROM ivr_calls") if inside(at, last_28_days())
    }
    assert int(dashboard["Unique callers"]) == len(unique) > 200
    assert int(dashboard["New callers"]) == sum(new for _, _, new in per_day.values())
    stories = sql("SELECT created_at FROM recordings WHERE kind = 'story'")
    assert int(dashboard["Stories recorded"]) == in_range(stories) == len(demo.STORIES)
    published = sql("SELECT published_at FROM lessons WHERE kind = 'story' AND status = 'published'")
    assert int(dashboard["Stories published"]) == int(learning["Stories published"]) == in_range(published)
    assert int(dashboard["Questions asked"]) == in_range(
        sql("SELECT created_at FROM recordings WHERE kind = 'question'")
    )
    answered = sql("SELECT answered_at FROM helpdesk_questions WHERE answered_at IS NOT NULL")
    assert int(dashboard["Questions answered"]) == in_range(answered) == 1
    delivered = sql(
        "SELECT contact_id, created_at FROM deliveries WHERE channel = 'sms' AND state = 'delivered'"
    )
    people = {
        contact for contact, at in delivered if inside(at, last_28_days())
    }  # one campaign: distinct people
    assert int(dashboard["Campaign SMS delivered"]) == len(people)


@pytest.mark.usefixtures("fresh_demo")
def test_the_demo_holds_transcribed_stories_an_answered_question_a_finished_campaign_and_demo_callers():
    stories = db.session.scalars(select(Lesson).filter_by(kind=Lesson.STORY, status=Lesson.PUBLISHED)).all()
    assert len(stories) == len(demo.STORIES)
    for story in stories:
        transcript = db.session.scalar(select(Transcript).filter_by(recording_id=story.source_recording_id))
        assert transcript.text in {told.words for told in demo.STORIES}
        assert story.contributor_name and all(store.exists(s.playback_key) for s in story.tracks[0].segments)
    [question] = db.session.scalars(select(Question)).all()
    assert question.status in (Question.ANSWERED, Question.CALLING, Question.DELIVERED)
    assert store.exists(question.answer_key)
    [campaign] = db.session.scalars(select(Campaign)).all()
    assert campaign.status == Campaign.DONE and campaign.name.startswith("Demo")
    callers = db.session.scalar(select(func.count()).select_from(Contact).filter_by(created_by=Contact.DEMO))
    assert 200 <= callers <= 500
    assert demo.make() == []  # a line that has calls gets no second demo
    assert db.session.scalar(select(func.count()).select_from(Recording)) == len(demo.STORIES) + 1


def test_the_demo_is_never_made_in_production(app):
    seed.seed_demo_staff()
    app.config["CHAUPAL_ENV"] = "production"
    try:
        with pytest.raises(demo.ProductionDemoError):
            demo.make()
        from ivr import (
            demo_start,
        )

        assert demo_start.seed(demo=True) == [
            "the living demo (stories, a question, call history) is never made in production"
        ]
    finally:
        app.config["CHAUPAL_ENV"] = "testing"
    assert db.session.scalar(select(Call.id).limit(1)) is None
    assert db.session.scalar(select(Recording.id).limit(1)) is None


@pytest.mark.usefixtures("fresh_demo")
def test_the_demo_has_the_starter_course_with_quiz_items_in_both_languages():
    from learning import quizzes, starter_course
    from learning.models import Course

    [course] = db.session.scalars(select(Course)).all()
    assert (course.title_en, course.title_hi) == (starter_course.TITLE_EN, starter_course.TITLE_HI)
    slugs = [db.session.get(Lesson, entry.lesson_id).starter_slug for entry in course.lessons]
    assert slugs == list(starter_course.LESSONS)
    items = [item for entry in course.lessons for item in quizzes.lesson_items(entry.lesson_id)]
    assert len(items) == len(starter_course.ITEMS) == len(course.tests)
    assert starter_course.load() is None  # never added twice
