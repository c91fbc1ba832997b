"""The learning engine's acceptance journey, through signed webhooks and a settable clock.

An enrolled learner hears lesson 1, answers its item wrong and hears why; two days later the item is
re-asked first, answered right and moves up a box; a week later the learner finishes the course with
the pass mark and gets one certificate SMS that /verify shows; retiring lesson 1 as replaced reaches
everyone who completed it, once. A learner silent for N days gets exactly one refresher call, inside
the calling window.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns import (
    campaign_runs,
)
from campaigns.models import Delivery
from core.db import db
from core.models import District
from ivr.models import Call, LessonProgress
from learning import certificates, enrolment, outreach, unlearning
from learning.errors import LearningError
from learning.models import Answer, Certificate, Enrolment, Notice, OutreachCall, QuizItem, Reask
from tests.factories import make_contact, make_staff
from tests.ivr_fixtures import Phone
from tests.learning_fixtures import START, later, make_course, make_item, make_lesson

LEARNER = "+919811122233"


@pytest.fixture
def course_setup():
    lesson1 = make_lesson("Resting the pit", segments=2)
    lesson2 = make_lesson("Switching pits", segments=2)
    item1 = make_item(lesson1, right="2", question="How long must a full pit rest?")
    item2 = make_item(lesson2, right="1", question="Which pit do you use when one is full?")
    course = make_course([lesson1, lesson2], post_items=[item1, item2])
    return course, (lesson1, lesson2), (item1, item2)


def enrol_sitapur(course):
    officer = make_staff(role="officer", districts=("Sitapur",))
    sitapur = db.session.scalar(select(District).filter_by(name="Sitapur"))
    form = {"starts_at": START, "district_ids": [str(sitapur.id)], "theme": "Twin pits month"}
    return enrolment.start_series(course, form, officer)


def segments(phone: Phone) -> list[str]:
    return [url.split("/")[-1].split(".wav")[0] for url in phone.played]


def near(moment, expected) -> bool:
    """Equal within a minute: the settable clock keeps running while a test works."""
    return abs(moment - expected) < timedelta(minutes=1)


def reask_row(contact_id: int, item_id: int) -> Reask:
    db.session.expire_all()
    return db.session.scalar(select(Reask).filter_by(contact_id=contact_id, item_id=item_id))


def test_the_learning_journey(client, twilio_post, twilio_server, work, learning_clock, course_setup):
    course, (lesson1, _lesson2), (item1, item2) = course_setup
    learning_clock(START)
    learner = make_contact(LEARNER, name="Sunita Devi", district="Sitapur", language_code="en")
    outsider = make_contact(district="Lucknow", language_code="en")
    series, enrolled = enrol_sitapur(course)
    assert enrolled == 1 and enrolment.active_for(outsider.id) == []  # Lucknow is outside the series

    # call 1: lesson 1, then its item answered wrong, with the explanation
    call = Phone(twilio_post, LEARNER).dial()
    assert "Your course" in call.said and "Twin pits" in call.said
    call.press("1")
    assert segments(call) == ["segment-0"]
    call.stay_silent()
    assert segments(call) == ["segment-1"]
    call.stay_silent()
    assert "How long must a full pit rest?" in call.said and "For one year, press 2." in call.said
    call.press("1")
    assert "That is not right. The right answer is: one year." in call.said
    assert "A full pit rests one year." in call.said
    call.stay_silent()
    assert "Your next lesson comes next week" in call.said  # lesson 2 opens in week 2
    call.hang_up()
    [wrong] = db.session.scalars(select(Answer)).all()
    assert (wrong.call_sid, wrong.item_id, wrong.key, wrong.correct, wrong.attempt) == (
        call.call_sid,
        item1.id,
        "1",
        False,
        1,
    )
    assert wrong.stage == Answer.LESSON and wrong.latency_ms is not None
    row = reask_row(learner.id, item1.id)
    assert row.box == 1 and near(row.due_at, later(START, 2))

    # call 2, two days later: the item is re-asked first, answered right, and moves up a box
    learning_clock(later(START, 2) + timedelta(hours=1))
    call = Phone(twilio_post, LEARNER).dial()
    assert "Before we start, a quick question" in call.said and "How long must a full pit rest?" in call.said
    call.press("2")
    assert "That is right!" in call.said
    row = reask_row(learner.id, item1.id)
    assert row.box == 2 and near(row.due_at, later(START, 2 + 7) + timedelta(hours=1))
    reasked = db.session.scalar(select(Answer).filter_by(stage=Answer.REASK))
    assert (reasked.correct, reasked.attempt, reasked.box_before) == (True, 2, 1)
    call.stay_silent()
    assert "/ivr/key/menu" in call.twiml.find("Gather").get("action")  # on to the main menu
    call.hang_up()

    # week 2: lesson 2 and its item, then the post-test; the pass mark earns one certificate
    learning_clock(later(START, 7) + timedelta(minutes=5))
    call = Phone(twilio_post, LEARNER).dial()
    assert "Before we start" not in call.said  # item 1 is next due on day 9
    call.press("1").stay_silent().stay_silent()
    assert "Which pit do you use when one is full?" in call.said
    call.press("1").stay_silent()  # right; then the post-test: item 1 and item 2
    assert "How long must a full pit rest?" in call.said
    call.press("2").stay_silent()
    assert "Which pit do you use when one is full?" in call.said
    call.press("1").stay_silent()
    assert "Congratulations! You passed the course with 100 percent." in call.said
    db.session.expire_all()
    certificate = db.session.scalar(select(Certificate))
    assert " ".join(certificate.code) in call.said
    call.hang_up()
    db.session.commit()
    work("default")
    messages = [m for m in twilio_server.created("Messages") if m["form"]["To"] == LEARNER]
    assert len(messages) == 1 and certificate.code in messages[0]["form"]["Body"]
    assert certificates.send_sms(certificate.id) is None  # never twice
    assert len(twilio_server.created("Messages")) == 1
    db.session.expire_all()
    assert db.session.get(Enrolment, certificate.enrolment_id).status == Enrolment.COMPLETED

    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Sunita" in html and "Twin pits" in html and "Sitapur" in html and LEARNER not in html


def test_verify_shows_only_first_name_course_date_and_district(client, learning_clock, course_setup):
    course, _lessons, (item1, item2) = course_setup
    learning_clock(START)
    learner = make_contact(LEARNER, name="Sunita Devi", district="Sitapur", language_code="en")
    learner_enrolment = enrolment.enrol(course, learner)
    db.session.flush()
    for item in (item1, item2):
        db.session.add(
            Answer(
                call_sid="CA1",
                contact_id=learner.id,
                item_id=item.id,
                stage=Answer.POST,
                key=item.right_key,
                correct=True,
            )
        )
    learner_enrolment.step = Enrolment.DONE
    certificate = certificates.finish(learner_enrolment)
    db.session.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Sunita" in html and "Devi" not in html
    assert "Twin pits" in html and "Sitapur" in html and "2030-01-07" in html
    assert LEARNER not in html and LEARNER[-4:] not in html
    assert client.get("/verify/00000000").status_code == 404


def test_a_silent_learner_gets_exactly_one_refresher_inside_the_window(
    twilio_post, twilio_server, work, learning_clock, course_setup
):
    course, _lessons, (item1, _item2) = course_setup
    learning_clock(START)
    silent = make_contact(LEARNER, district="Sitapur", language_code="en")
    caller = make_contact(district="Sitapur", language_code="en")
    opted_out = make_contact(district="Sitapur", language_code="en")
    for person in (silent, caller, opted_out):
        enrolment.enrol(course, person)
        db.session.add(Reask(contact_id=person.id, item_id=item1.id, box=1, due_at=later(START, 2)))
    db.session.commit()
    # the caller called yesterday (day 7); the others have not called for the 7 days
    learning_clock(later(START, 7) - timedelta(hours=2))
    Phone(twilio_post, caller.phone).dial().hang_up()
    db.session.scalar(select(Call)).started_at = later(START, 7) - timedelta(hours=2)  # on the test's clock
    opted_out.opted_out_at = START
    db.session.commit()

    learning_clock(later(START, 9) - timedelta(hours=4))  # 07:00 IST
    assert outreach.plan_refreshers() == 1
    assert outreach.plan_refreshers() == 0  # planned once, however often the job runs
    db.session.commit()
    work("campaigns")
    assert twilio_server.created("Calls") == []  # before the window opens at 10:00

    learning_clock(later(START, 9) - timedelta(minutes=55))  # 10:05 IST
    db.session.expire_all()
    delivery = db.session.scalar(select(Delivery))
    campaign_runs.tick(delivery.run_id)
    db.session.commit()
    work("campaigns")
    calls = twilio_server.created("Calls")
    assert [c["form"]["To"] for c in calls] == [silent.phone]
    assert outreach.plan_refreshers() == 0

    # the answered refresher call leads into the line, where the due item comes first
    answered = Phone(twilio_post, silent.phone, direction="outbound-api", call_sid=calls[0]["sid"])
    answered.post(calls[0]["form"]["Url"])
    assert "Before we start, a quick question" in answered.said


def test_retiring_a_lesson_as_replaced_reaches_each_listener_once(
    twilio_post, twilio_server, work, learning_clock, course_setup
):
    course, (lesson1, lesson2), (item1, _item2) = course_setup
    learning_clock(START)
    listeners = [make_contact(district="Sitapur", language_code="en") for _ in range(2)]
    never_heard = make_contact(district="Sitapur", language_code="en")
    for person in listeners:
        db.session.add(
            LessonProgress(contact_id=person.id, lesson_id=lesson1.id, position=2, completed_at=START)
        )
    db.session.commit()
    new = make_lesson("Resting the pit, revised", segments=1)

    replacement = unlearning.replace_lesson(lesson1.id, new.id, "rest two years, not one", None)
    with pytest.raises(LearningError, match="already replaced"):
        unlearning.replace_lesson(lesson1.id, new.id, "again", None)
    db.session.expire_all()
    assert db.session.get(QuizItem, item1.id).status == QuizItem.RETIRED
    assert [p.lesson_id for p in course.lessons] == [new.id, lesson2.id]
    notices = db.session.scalars(select(Notice).filter_by(replacement_id=replacement.id)).all()
    assert {n.contact_id for n in notices} == {p.id for p in listeners}
    outreach_rows = db.session.scalars(select(OutreachCall)).all()
    assert sorted(r.contact_id for r in outreach_rows) == sorted(p.id for p in listeners)

    db.session.commit()
    work("campaigns")
    calls = twilio_server.created("Calls")
    assert sorted(c["form"]["To"] for c in calls) == sorted(p.phone for p in listeners)
    assert never_heard.phone not in {c["form"]["To"] for c in calls}

    first = next(c for c in calls if c["form"]["To"] == listeners[0].phone)
    answered = Phone(twilio_post, listeners[0].phone, direction="outbound-api", call_sid=first["sid"])
    answered.post(first["form"]["Url"])
    assert "the advice on Resting the pit (en) has changed" in answered.said
    answered.press("1")
    assert answered.played and "segment-0" in answered.played[0]
    assert unlearning.pending_notice(listeners[0].id) is None
    again = Phone(twilio_post, listeners[0].phone).dial()
    assert "has changed" not in again.said  # once
