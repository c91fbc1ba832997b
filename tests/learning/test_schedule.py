"""Schedules on the settable clock: Leitner boxes, re-asks per call, weekly lesson calls, dropped-call resume."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import District
from ivr.models import Callback
from learning import enrolment, outreach, quizzes, reasks
from learning.errors import LearningError
from learning.models import Answer, Enrolment, OutreachCall, Reask
from tests.factories import make_contact, make_staff
from tests.ivr_fixtures import Phone
from tests.learning_fixtures import START, later, make_course, make_item, make_lesson

LEARNER = "+919811122233"


def answer(learner, item, key: str, stage: str = Answer.REASK, sid: list = [0]) -> None:  # noqa: B006
    sid[0] += 1
    quizzes.record_answer(f"CA{sid[0]}", learner.id, item, key, stage)
    db.session.commit()


def row(contact_id: int, item_id: int) -> Reask | None:
    db.session.expire_all()
    return db.session.scalar(select(Reask).filter_by(contact_id=contact_id, item_id=item_id))


def test_leitner_boxes_expand_2_7_21_60_and_wrong_goes_back_to_the_first(learning_clock):
    learning_clock(START)
    learner, item = make_contact(), make_item(make_lesson())
    answer(learner, item, "2", Answer.LESSON)
    assert row(learner.id, item.id) is None  # right the first time: nothing to re-ask
    answer(learner, item, "1")
    waits = []
    for day in (2, 9, 30, 90):
        moment = learning_clock(later(START, day))
        answer(learner, item, "2")
        due = row(learner.id, item.id).due_at
        waits.append(round((due - moment).total_seconds() / 86400) if due else None)
    assert waits == [7, 21, 60, None]  # after the last box the item is learned
    answer(learner, item, "3")
    assert row(learner.id, item.id).box == 1


def test_due_items_are_one_indexed_query(learning_clock):
    learning_clock(START)
    item = make_item(make_lesson())
    people = [make_contact() for _ in range(3)]
    for n, person in enumerate(people):
        db.session.add(Reask(contact_id=person.id, item_id=item.id, box=1, due_at=later(START, n)))
    db.session.commit()
    due = db.session.execute(reasks.due_query(later(START, 1))).all()
    assert sorted(due) == sorted([(people[0].id, item.id), (people[1].id, item.id)])
    if db.engine.dialect.name == "sqlite":  # the range scan uses the due_at index, not a table walk
        sql = "EXPLAIN QUERY PLAN SELECT contact_id, item_id FROM learning_reasks WHERE due_at <= :now"
        plan = db.session.execute(db.text(sql), {"now": later(START, 1)}).all()
        assert "ix_learning_reasks_due_at" in " ".join(str(r) for r in plan)


def test_at_most_two_reasks_per_call_and_hash_skips_one(twilio_post, learning_clock):
    learning_clock(START)
    learner = make_contact(LEARNER, language_code="en")
    lesson = make_lesson()
    items = [make_item(lesson, question=f"Question {n}?") for n in range(3)]
    for item in items:
        answer(learner, item, "3", Answer.LESSON)
    learning_clock(later(START, 3))
    call = Phone(twilio_post, LEARNER).dial()
    assert "Question 0?" in call.said
    call.press("#")  # skipped: back tomorrow, same box
    assert "Question 1?" in call.said
    call.press("2").stay_silent()
    assert "Question 2?" not in " ".join(call.transcript)  # two per call at most
    assert "/ivr/key/menu" in call.twiml.find("Gather").get("action")
    skipped = row(learner.id, items[0].id)
    assert skipped.box == 1 and abs(skipped.due_at - later(START, 4)) < timedelta(minutes=1)
    assert row(learner.id, items[1].id).box == 2


def test_a_lesson_quiz_timeout_counts_as_skipped_and_is_scheduled(twilio_post, learning_clock):
    learning_clock(START)
    learner = make_contact(LEARNER, language_code="en")
    lesson = make_lesson(segments=1)
    item = make_item(lesson)
    enrolment.enrol(make_course([lesson]), learner)
    db.session.commit()
    call = Phone(twilio_post, LEARNER).dial().press("1").stay_silent()
    assert "How long must a full pit rest?" in call.said
    call.stay_silent()
    assert "No problem. The right answer is: one year." in call.said
    answer = db.session.scalar(select(Answer))
    assert (answer.key, answer.correct, answer.stage) == ("", False, Answer.LESSON)
    assert row(learner.id, item.id).box == 1


def test_opted_out_people_are_never_enrolled(learning_clock):
    learning_clock(START)
    course = make_course([make_lesson()])
    opted_out = make_contact(district="Sitapur", opted_out_at=START)
    with pytest.raises(LearningError, match="opted out"):
        enrolment.enrol(course, opted_out)
    make_contact(district="Sitapur")
    officer = make_staff(role="officer", districts=("Sitapur",))
    series, count = enrolment.start_series(course, {"starts_at": START}, officer)
    assert count == 1 and enrolment.active_for(opted_out.id) == []
    assert enrolment.opted_out_left_out({}, officer) == 1  # the enrol page says so


def test_an_officer_enrols_only_inside_their_districts(learning_clock):
    learning_clock(START)
    course = make_course([make_lesson()])
    officer = make_staff(role="officer", districts=("Sitapur",))
    lucknow = db.session.scalar(select(District).filter_by(name="Lucknow"))
    with pytest.raises(LearningError, match="your own districts"):
        enrolment.start_series(course, {"starts_at": START, "district_ids": [str(lucknow.id)]}, officer)
    with pytest.raises(LearningError, match="first weekly lesson"):
        enrolment.start_series(course, {"starts_at": None}, officer)


def test_each_week_learners_behind_get_one_lesson_call(learning_clock):
    learning_clock(START - timedelta(hours=1))
    course = make_course([make_lesson("One"), make_lesson("Two")])
    people = [make_contact(district="Sitapur") for _ in range(2)]
    officer = make_staff(role="officer", districts=("Sitapur",))
    series, _ = enrolment.start_series(course, {"starts_at": START}, officer)
    assert outreach.plan_weekly_lessons() == 0  # the first slot has not come
    learning_clock(START + timedelta(minutes=1))
    assert outreach.plan_weekly_lessons() == 2
    assert outreach.plan_weekly_lessons() == 0  # once a week
    ahead = db.session.scalar(select(Enrolment).filter_by(contact_id=people[0].id))
    ahead.step = Enrolment.LESSON
    ahead.lesson_index = 2  # heard both lessons on their own calls
    db.session.commit()
    learning_clock(later(START, 7) + timedelta(minutes=1))
    assert outreach.plan_weekly_lessons() == 1
    calls = db.session.scalars(select(OutreachCall.contact_id).filter_by(purpose=OutreachCall.LESSON)).all()
    assert sorted(calls) == sorted([people[0].id, people[1].id, people[1].id])


def test_a_dropped_course_call_resumes_there_and_is_called_back_once(
    twilio_post, work, twilio_server, learning_clock
):
    learning_clock(START)
    learner = make_contact(LEARNER, language_code="en")
    lesson = make_lesson(segments=3)
    make_item(lesson)
    enrolment.enrol(make_course([lesson]), learner)
    db.session.commit()
    call = Phone(twilio_post, LEARNER).dial().press("1").stay_silent()
    assert "segment-1" in call.played[0]
    call.hang_up()  # dropped in the middle of the lesson (not in missed-call mode: no call back)
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 0

    learner.missed_call_mode = True
    db.session.commit()
    again = Phone(twilio_post, LEARNER, direction="outbound-api").dial()
    again.press("1")
    assert "segment-1" in again.played[0]  # resumed where the first call dropped
    again.stay_silent().stay_silent()
    assert "How long must a full pit rest?" in again.said
    again.hang_up()  # dropped in the quiz
    again.hang_up()  # Twilio repeats the callback
    callbacks = db.session.scalars(select(Callback)).all()
    assert len(callbacks) == 1 and callbacks[0].missed_call_sid == "resume-" + again.call_sid
    db.session.commit()
    work("default")
    assert [c["form"]["To"] for c in twilio_server.created("Calls")] == [LEARNER]
    db.session.expire_all()
    placed = db.session.scalar(select(Callback)).call_sid
    back = Phone(twilio_post, LEARNER, direction="outbound-api", call_sid=placed).dial()
    back.press("1")
    assert "How long must a full pit rest?" in back.said  # the quiz, where it dropped
    back.hang_up()  # the call back dropping too is not called back again
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 1


def test_refreshers_are_capped_at_what_one_days_window_carries(app, learning_clock):
    learning_clock(START)
    course = make_course([make_lesson()])
    item = make_item()
    people = [make_contact() for _ in range(3)]
    for person in people:
        enrolment.enrol(course, person)
        db.session.add(Reask(contact_id=person.id, item_id=item.id, box=1, due_at=START))
    db.session.commit()
    saved = app.config["CAMPAIGN_CALLS_PER_SECOND"]
    app.config["CAMPAIGN_CALLS_PER_SECOND"] = str(2 / (8 * 3600))  # two calls in an 8-hour window
    try:
        learning_clock(later(START, 1))
        assert outreach.plan_refreshers() == 2
        assert outreach.plan_refreshers() == 0  # the day's calls are planned
        learning_clock(later(START, 2) + timedelta(minutes=1))
        assert outreach.plan_refreshers() == 1  # the one left over goes the next day
    finally:
        app.config["CAMPAIGN_CALLS_PER_SECOND"] = saved


def test_the_enrol_page_targets_role_and_engagement_inside_the_officers_districts(
    client, login, learning_clock
):
    from tests.helpers import csrf_token

    learning_clock(START)
    course = make_course([make_lesson()])
    mason = make_contact(district="Sitapur", role="mason")
    make_contact(district="Sitapur", role="motivator")
    make_contact(district="Lucknow", role="mason")
    login("officer", districts=("Sitapur",))
    page = f"/learning/courses/{course.id}/enrol"
    form = {"starts_at": "2030-01-07T11:00", "roles": "mason", "not_called_days": "7", "theme": "Pits"}
    response = client.post(page, data={**form, "csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert "1 people enrolled" in response.get_data(as_text=True)
    assert [e.contact_id for e in db.session.scalars(select(Enrolment))] == [mason.id]
    calendar = client.get("/learning/calendar").get_data(as_text=True)
    assert "Pits" in calendar and "Sitapur" in calendar


def test_enrolling_an_audience_twice_enrols_each_person_once(learning_clock):
    learning_clock(START)
    course = make_course([make_lesson()])
    already = make_contact(district="Sitapur")
    enrolment.enrol(course, already)  # on their own, before the series
    make_contact(district="Sitapur")
    officer = make_staff(role="officer", districts=("Sitapur",))
    series, count = enrolment.start_series(course, {"starts_at": START}, officer)
    again, count_again = enrolment.start_series(course, {"starts_at": later(START, 7)}, officer)
    assert count == count_again == 2
    rows = db.session.scalars(select(Enrolment).order_by(Enrolment.contact_id)).all()
    assert len(rows) == 2 and {r.series_id for r in rows} == {series.id}  # the first series keeps them
