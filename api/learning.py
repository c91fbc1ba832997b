"""Courses, learners' enrolments (with certificates) and their quiz answers, walled by the learner's district."""

from sqlalchemy import select

from api.access import within
from api.errors import not_found
from api.formats import TIMESTAMP, iso, object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import MAX_ID, Operations
from core.db import db
from core.models import Contact
from learning.models import Answer, Certificate, Course, Enrolment

ops = Operations("learning")
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COURSE = {
    "type": "object",
    "required": ["id", "title_en", "title_hi", "topic", "pass_mark", "status"],
    "properties": {
        "id": {"type": "integer"},
        "title_en": {"type": "string"},
        "title_hi": {"type": "string"},
        "topic": {"type": ["string", "null"]},
        "pass_mark": {"type": "integer"},
        "status": {"type": "string"},
    },
}
ENROLMENT = {
    "type": "object",
    "required": ["id", "course_id", "contact_id", "status", "step", "score", "certificate"],
    "properties": {
        "id": {"type": "integer"},
        "course_id": {"type": "integer"},
        "contact_id": {"type": "integer"},
        "status": {"type": "string"},
        "step": {"type": "string"},
        "score": {"type": ["integer", "null"]},
        "enrolled_at": TIMESTAMP,
        "started_at": TIMESTAMP,
        "completed_at": TIMESTAMP,
        "certificate": {
            "type": ["object", "null"],
            "properties": {"code": {"type": "string"}, "issued_at": TIMESTAMP},
        },
    },
}
ANSWER = {
    "type": "object",
    "required": ["id", "contact_id", "item_id", "stage", "correct", "skipped", "attempt", "answered_at"],
    "properties": {
        "id": {"type": "integer"},
        "contact_id": {"type": "integer"},
        "item_id": {"type": "integer"},
        "enrolment_id": {"type": ["integer", "null"]},
        "stage": {"type": "string"},
        "correct": {"type": "boolean"},
        "skipped": {"type": "boolean"},
        "attempt": {"type": "integer"},
        "answered_at": TIMESTAMP,
    },
}
ENROLMENT_FILTERS = {
    **PAGE_QUERY,
    "course_id": ID,
    "contact_id": ID,
    "status": {"type": "string", "enum": [Enrolment.ACTIVE, Enrolment.COMPLETED]},
}
ANSWER_FILTERS = {
    **PAGE_QUERY,
    "contact_id": ID,
    "enrolment_id": ID,
    "item_id": ID,
    "stage": {"type": "string", "enum": [Answer.LESSON, Answer.PRE, Answer.POST, Answer.REASK]},
}


def course_json(course: Course) -> dict:
    """A course as the API shows it."""
    return {
        "id": course.id,
        "title_en": course.title_en,
        "title_hi": course.title_hi,
        "topic": course.topic.slug if course.topic else None,
        "pass_mark": course.pass_mark,
        "status": course.status,
    }


def enrolment_json(enrolment: Enrolment) -> dict:
    """An enrolment with its certificate, as the API shows it."""
    certificate = db.session.scalar(select(Certificate).filter_by(enrolment_id=enrolment.id))
    return {
        "id": enrolment.id,
        "course_id": enrolment.course_id,
        "contact_id": enrolment.contact_id,
        "status": enrolment.status,
        "step": enrolment.step,
        "score": enrolment.score,
        "enrolled_at": iso(enrolment.enrolled_at),
        "started_at": iso(enrolment.started_at),
        "completed_at": iso(enrolment.completed_at),
        "certificate": {"code": certificate.code, "issued_at": iso(certificate.issued_at)}
        if certificate
        else None,
    }


def answer_json(answer: Answer) -> dict:
    """One quiz answer as the API shows it."""
    return {
        "id": answer.id,
        "contact_id": answer.contact_id,
        "item_id": answer.item_id,
        "enrolment_id": answer.enrolment_id,
        "stage": answer.stage,
        "correct": answer.correct,
        "skipped": answer.key == "",
        "attempt": answer.attempt,
        "answered_at": iso(answer.answered_at),
    }


def _learners(model):
    """Rows of learners inside the token's districts."""
    return within(select(model).join(Contact, Contact.id == model.contact_id), Contact.district_id)


def _filtered(query, model, args: dict, names: tuple[str, ...]):
    for name in names:
        if name in args:
            query = query.where(getattr(model, name) == args[name])
    return query


@ops.get("/courses", "List courses", query=PAGE_QUERY, responses={200: page_of(COURSE)})
def list_courses(args: dict):
    """One page of courses."""
    return paginate(select(Course), Course.id, args, course_json)


@ops.get(
    "/enrolments",
    "List course enrolments with scores and certificates",
    query=ENROLMENT_FILTERS,
    responses={200: page_of(ENROLMENT)},
)
def list_enrolments(args: dict):
    """One page of the token's learners' enrolments, filtered."""
    query = _filtered(_learners(Enrolment), Enrolment, args, ("course_id", "contact_id", "status"))
    return paginate(query, Enrolment.id, args, enrolment_json)


@ops.get("/enrolments/{enrolment_id}", "Get an enrolment", responses={200: ENROLMENT})
def get_enrolment(enrolment_id: int):
    """One enrolment, if its learner is in the token's districts."""
    enrolment = db.session.scalar(_learners(Enrolment).where(Enrolment.id == enrolment_id))
    if enrolment is None:
        raise not_found("enrolment")
    return object_response(enrolment_json(enrolment))


@ops.get(
    "/quiz-results", "List learners' quiz answers", query=ANSWER_FILTERS, responses={200: page_of(ANSWER)}
)
def list_quiz_results(args: dict):
    """One page of the token's learners' quiz answers, filtered."""
    query = _filtered(_learners(Answer), Answer, args, ("contact_id", "enrolment_id", "item_id", "stage"))
    return paginate(query, Answer.id, args, answer_json)
