"""Courses, enrolments, quiz results and certificates through the API, walled by the learner's district."""

import json

from api import webhooks
from core.db import db, utcnow
from learning.models import Answer, Certificate, Course, Enrolment, QuizItem
from tests.factories import district, make_contact


def learner(district_name: str, course: Course, item: QuizItem) -> Enrolment:
    """A learner of the district who finished the course, answered one item and holds a certificate."""
    contact = make_contact(district=district_name)
    enrolment = Enrolment(
        course_id=course.id,
        contact_id=contact.id,
        status=Enrolment.COMPLETED,
        step="done",
        score=80,
        completed_at=utcnow(),
    )
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(
        Answer(
            call_sid="CA1",
            contact_id=contact.id,
            item_id=item.id,
            enrolment_id=enrolment.id,
            stage=Answer.POST,
            key="2",
            correct=True,
        )
    )
    db.session.add(
        Certificate(
            code=f"C{enrolment.id:05d}",
            enrolment_id=enrolment.id,
            contact_id=contact.id,
            course_id=course.id,
            district_id=district(district_name).id,
            score=80,
        )
    )
    db.session.commit()
    return enrolment


def course_with_item() -> tuple[Course, QuizItem]:
    course = Course(title_en="Twin pits", title_hi="दो गड्ढे")
    item = QuizItem(option_keys="12", right_key="2", status=QuizItem.PUBLISHED)
    db.session.add_all([course, item])
    db.session.commit()
    return course, item


def test_enrolments_and_quiz_results_stay_inside_the_tokens_districts(api, make_token):
    course, item = course_with_item()
    ours = learner("Sitapur", course, item)
    theirs = learner("Lucknow", course, item)
    secret = make_token(districts=["Sitapur"])
    assert [c["title_hi"] for c in api("GET", "/courses", secret).json["results"]] == ["दो गड्ढे"]
    enrolments = api("GET", f"/enrolments?course_id={course.id}", secret).json["results"]
    assert [e["id"] for e in enrolments] == [ours.id]
    assert enrolments[0]["certificate"]["code"] == f"C{ours.id:05d}" and enrolments[0]["score"] == 80
    assert api("GET", f"/enrolments/{theirs.id}", secret).status_code == 404
    results = api("GET", "/quiz-results?stage=post", secret).json["results"]
    assert [(r["contact_id"], r["correct"], r["skipped"]) for r in results] == [
        (ours.contact_id, True, False)
    ]
    assert api("GET", f"/quiz-results?contact_id={theirs.contact_id}", secret).json["results"] == []
    assert len(api("GET", "/enrolments", make_token()).json["results"]) == 2


def test_an_issued_certificate_is_reported_to_subscribers(receiver, work):
    webhooks.subscribe(receiver.url, ["certificate.issued"], True, None)
    db.session.commit()
    course, item = course_with_item()
    enrolment = learner("Sitapur", course, item)
    work("default")
    [(_, body)] = receiver.received
    payload = json.loads(body)
    assert payload["event"] == "certificate.issued"
    assert payload["data"]["certificate_code"] == f"C{enrolment.id:05d}" and payload["data"]["score"] == 80
