"""Curators' decisions: publish, reject, trainers only, help desk; two curators never overwrite each other."""

import pytest
from sqlalchemy import select, update

from audio.models import Lesson, Recording
from core.db import db
from core.models import Topic
from tests.curator_fixtures import make_processed_recording, make_story_awaiting_review
from tests.factories import make_staff
from tests.transcription_fixtures import speech_wav
from transcription import (
    decisions,
    share_times,
    transcribing,
    transcript_search,
)
from transcription.models import AuditEntry, Question, Review, TopicTag, Transcript


@pytest.fixture
def story(media_fixtures):
    """A processed story with a transcript, told by a mason who agreed to be named."""
    named = Recording.NAMED
    return make_story_awaiting_review(media_fixtures, named, "we emptied the pit", district="Sitapur")


def topic(slug: str) -> Topic:
    return db.session.scalar(select(Topic).filter_by(slug=slug))


def test_approving_publishes_a_story_with_the_consented_name_and_confirmed_topics(story):
    curator = make_staff("curator")
    review = decisions.review_for(story.id)
    twin_pit = topic("twin-pit").id
    decisions.approve_story(story.id, review.version, curator, "दो गड्ढे", [twin_pit], {"start_ms": 100}, True)
    db.session.expire_all()
    review = decisions.review_for(story.id)
    lesson = db.session.get(Lesson, review.lesson_id)
    assert (review.status, lesson.status, lesson.kind) == (Review.APPROVED, Lesson.PUBLISHED, Lesson.STORY)
    assert lesson.contributor_name == "Sunita Devi" and lesson.topic_id == twin_pit
    assert lesson.tracks[0].title == "दो गड्ढे" and lesson.tracks[0].segments
    assert db.session.scalar(select(TopicTag.status).filter_by(recording_id=story.id)) == TopicTag.ACCEPTED
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=story.id))
    assert transcript.reviewed_at is not None and transcript.reviewed_by_id == curator.id
    assert share_times.share_time_hours(review) >= 0


def test_the_name_is_not_spoken_unless_the_curator_chooses_it_and_the_caller_agreed(story):
    curator = make_staff("curator")
    decisions.approve_story(story.id, 1, curator, "Story", [], None, name_spoken=False)
    assert db.session.get(Lesson, decisions.review_for(story.id).lesson_id).contributor_name == ""
    story.consent = Recording.ANONYMOUS
    db.session.commit()
    review = decisions.review_for(story.id)
    decisions.approve_story(story.id, review.version, curator, "Story", [], None, name_spoken=True)
    assert db.session.get(Lesson, decisions.review_for(story.id).lesson_id).contributor_name == ""


def test_a_trainers_only_recording_cannot_be_published(story):
    story.consent = Recording.TRAINERS_ONLY
    db.session.commit()
    with pytest.raises(decisions.ReviewError, match="trainers only"):
        decisions.approve_story(story.id, 1, make_staff("curator"), "Story", [], None)
    assert decisions.review_for(story.id).status == Review.NEW
    assert db.session.scalar(select(Lesson.id)) is None


def test_cuts_that_leave_no_sound_undo_the_decision_and_say_why(story):
    with pytest.raises(decisions.ReviewError, match="less than a second"):
        decisions.approve_story(
            story.id, 1, make_staff("curator"), "Story", [], {"start_ms": 0, "end_ms": 300}
        )
    review = decisions.review_for(story.id)
    assert review.status == Review.NEW and review.lesson_id is None


def test_a_second_curator_deciding_on_an_old_page_gets_a_conflict_not_an_overwrite(story):
    first, second = make_staff("curator", name="Asha"), make_staff("curator")
    decisions.reject(story.id, 1, first, "only noise")
    with pytest.raises(decisions.ConflictError, match="Asha changed this recording"):
        decisions.keep_for_trainers(story.id, 1, second)
    review = decisions.review_for(story.id)
    assert (review.status, review.reason, review.decided_by_id) == (Review.REJECTED, "only noise", first.id)


def test_a_decision_racing_another_commit_is_refused_by_the_version_column(story):
    curator = make_staff("curator")
    review = decisions.review_for(story.id)  # loaded at version 1 in this session
    with db.engine.begin() as other:  # another curator's request commits first
        other.execute(update(Review).where(Review.id == review.id).values(status="rejected", version=2))
    with pytest.raises(decisions.ConflictError):
        decisions.reject(story.id, 1, curator, "duplicate")
    db.session.expire_all()
    assert decisions.review_for(story.id).reason == ""


def test_rejecting_needs_a_reason_and_takes_a_published_story_off_the_line(story):
    curator = make_staff("curator")
    with pytest.raises(decisions.ReviewError, match="say why"):
        decisions.reject(story.id, 1, curator, "  ")
    decisions.approve_story(story.id, 1, curator, "Story", [], None)
    review = decisions.review_for(story.id)
    decisions.reject(story.id, review.version, curator, "wrong advice about pit depth")
    assert db.session.get(Lesson, review.lesson_id).status == Lesson.RETIRED


@pytest.mark.usefixtures("test_model")
def test_a_curators_correction_survives_a_second_transcription(story):
    curator = make_staff("curator")
    decisions.save_transcript_text(story.id, 1, curator, "  we emptied   the first pit ")
    transcribing.transcribe(story)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=story.id))
    assert transcript.text == "we emptied the first pit" and transcript.words != "[]"
    assert transcript_search.search("emptied first")[0].id == transcript.id


def test_marking_a_question_routes_it_to_the_topic_queue_and_every_action_is_audited(story):
    curator = make_staff("curator")
    decisions.audited_tag_change(story.id, topic("handwashing").id, "add", curator)
    decisions.mark_question(story.id, 1, curator, topic("twin-pit").id)
    question = db.session.scalar(select(Question))
    assert (question.status, question.topic_id) == (Question.OPEN, topic("twin-pit").id)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["tag_add", "route_question", "mark_question"]
    decision = db.session.scalar(select(AuditEntry).filter_by(action="mark_question"))
    assert '"status": "new"' in decision.before and '"status": "question"' in decision.after
    assert decision.staff_id == curator.id


def test_time_to_share_is_given_overall_and_per_curator(story, media_fixtures):
    asha, ravi = make_staff("curator", name="Asha"), make_staff("curator", name="Ravi")
    decisions.approve_story(story.id, 1, asha, "Story", [], None)
    other = make_processed_recording(speech_wav(media_fixtures, "we built a soak pit", voice="en"))
    decisions.approve_story(other.id, 1, ravi, "Story", [], None)
    rows = {row.label: row for row in share_times.time_to_share()}
    assert (
        rows["Overall"].count == 2 and rows["Curator: Asha"].count == 1 and rows["Curator: Ravi"].count == 1
    )
    assert rows["District: Sitapur"].count == 1 and rows["District: unknown"].count == 1
    assert list(rows)[:3] == ["Overall", "Curator: Asha", "Curator: Ravi"]
    assert 0 <= rows["Overall"].median_hours <= rows["Overall"].longest_hours < 1
