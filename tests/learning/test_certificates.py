"""Certificates: the pass mark, the score without a post-test, the SMS in the learner's language, opt-out."""

from sqlalchemy import func, select

from core.db import db
from learning import certificates, enrolment, quizzes
from learning.models import Answer, Certificate, Enrolment
from tests.factories import make_contact
from tests.ivr_fixtures import Phone
from tests.learning_fixtures import START, make_course, make_item, make_lesson

LEARNER = "+919811122233"


def finished(course, person, keys: dict) -> Enrolment:
    learner = enrolment.enrol(course, person)
    db.session.flush()
    for item, key in keys.items():
        quizzes.record_answer(f"CA{learner.id}", person.id, item, key, Answer.POST, enrolment_id=learner.id)
    learner.step = Enrolment.DONE
    return learner


def test_below_the_pass_mark_no_certificate_and_the_line_says_so(twilio_post, learning_clock):
    learning_clock(START)
    lesson = make_lesson(segments=1)
    item = make_item(lesson)
    course = make_course([lesson], pass_mark=80)
    person = make_contact(LEARNER, language_code="en")
    enrolment.enrol(course, person)
    db.session.commit()
    call = Phone(twilio_post, LEARNER).dial().press("1").stay_silent()
    call.press("1").stay_silent()  # wrong: 0% of the lesson items (no post-test)
    assert "You finished the course with 0 percent right. The pass mark is 80 percent." in call.said
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    db.session.expire_all()
    learner = db.session.scalar(select(Enrolment))
    assert (learner.status, learner.score) == (Enrolment.COMPLETED, 0)
    assert certificates.score(learner) == 0
    assert quizzes.reasks.box_of(person.id, item.id) == 1  # the missed item will be asked again


def test_the_sms_is_in_the_learners_language_and_never_to_an_opted_out_number(
    work, twilio_server, learning_clock
):
    learning_clock(START)
    lesson = make_lesson()
    item = make_item(lesson)
    course = make_course([lesson], post_items=[item])
    hindi = make_contact(name="Ramesh Kumar", language_code="hi", district="Sitapur")
    opted_out = make_contact(language_code="en", district="Sitapur")
    first = certificates.finish(finished(course, hindi, {item: "2"}))
    second = certificates.finish(finished(course, opted_out, {item: "2"}))
    opted_out.opted_out_at = START
    db.session.commit()
    work("default")
    [message] = twilio_server.created("Messages")
    assert message["form"]["To"] == hindi.phone
    assert message["form"]["Body"].startswith("बधाई हो Ramesh!") and first.code in message["form"]["Body"]
    db.session.expire_all()
    assert db.session.get(Certificate, second.id).sms_sid == "skipped:opted_out"
    assert (
        certificates.finish(db.session.get(Enrolment, first.enrolment_id)).id == first.id
    )  # one per enrolment


def test_erasing_a_learner_removes_their_learning_and_their_certificate_stops_verifying(
    client, learning_clock
):
    from ivr import (
        contact_erasure,
    )

    learning_clock(START)
    lesson = make_lesson()
    item = make_item(lesson)
    course = make_course([lesson], post_items=[item])
    person = make_contact(name="Ramesh Kumar", district="Sitapur")
    certificate = certificates.finish(
        finished(course, person, {item: "1"})
    )  # wrong: scheduled, not certified
    assert certificate is None
    learner = finished(make_course([lesson], title="Again"), person, {item: "2"})
    certificate = certificates.finish(learner)
    db.session.commit()
    code = certificate.code
    lines = contact_erasure.erase_contact(person.id)
    assert "1 certificate(s) deleted" in lines and "2 course enrolment(s) deleted" in lines
    assert "1 re-ask schedule row(s) deleted" in lines
    for model in (Answer, Certificate, Enrolment):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert client.get(f"/verify/{code}").status_code == 404
