"""Campaign audiences see what callers do on the line, and STOP keeps a number out of every campaign."""

from datetime import timedelta

from campaigns import audience
from core.db import db, utcnow
from ivr.models import Call, LessonProgress
from tests.factories import make_contact
from tests.ivr_fixtures import make_lesson, sid


def reached(filters: dict) -> set[int]:
    return {c.id for c in db.session.scalars(audience.contact_query(filters, None))}


def test_not_called_in_30_days_counts_calls_to_the_line(app):
    recent, quiet = make_contact(), make_contact()
    db.session.add(Call(call_sid=sid("CA"), contact_id=recent.id, started_at=utcnow() - timedelta(days=2)))
    db.session.add(Call(call_sid=sid("CA"), contact_id=quiet.id, started_at=utcnow() - timedelta(days=45)))
    db.session.commit()
    assert reached({"not_called_days": 30}) == {quiet.id}


def test_did_not_finish_a_lesson_counts_listening_on_the_line(app):
    lesson = make_lesson()
    finished, halfway = make_contact(), make_contact()
    db.session.add_all(
        [
            LessonProgress(contact_id=finished.id, lesson_id=lesson.id, position=3, completed_at=utcnow()),
            LessonProgress(contact_id=halfway.id, lesson_id=lesson.id, position=1),
        ]
    )
    db.session.commit()
    assert reached({"not_finished_lesson_id": lesson.id}) == {halfway.id}


def test_sms_stop_keeps_the_number_out_of_a_campaign(app, twilio_post):
    stopped, other = make_contact(phone="+919800060001"), make_contact(phone="+919800060002")
    response = twilio_post(
        "/sms/incoming",
        {
            "MessageSid": sid("SM"),
            "AccountSid": "AC1",
            "From": stopped.phone,
            "To": "+18005550100",
            "Body": "  stop ",
        },
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert reached({}) == {other.id}
