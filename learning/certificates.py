"""Certificates: the score at the end of a course, the certificate with its code, its SMS, and /verify."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import csv_export, queue, twilio
from core.db import db
from core.models import District
from core.words import page_language, place_name
from learning import clock, quizzes
from learning.models import Answer, Certificate, Course, CourseTestItem, Enrolment

log = logging.getLogger(__name__)
CODE_ALPHABET = "23456789"  # digits only: the code is also spoken, and typed on a keypad if ever needed
CODE_LENGTH = 8
SMS = {
    "hi": 'बधाई हो {name}! आपने चौपाल का कोर्स "{course}" पास कर लिया है। प्रमाणपत्र कोड {code}। जाँचें: {url}',
    "en": 'Congratulations {name}! You passed the Chaupal course "{course}". Certificate code {code}. Check: {url}',
}


@dataclass
class Verified:
    """What /verify shows: nothing else (never the phone number)."""

    first_name: str
    course: str
    issued_at: datetime
    district: str


def score(enrolment: Enrolment) -> int:
    """Percent right: the post-test's latest answers, or (without a post-test) the lesson items' latest."""
    course = enrolment.course
    post = [t.item_id for t in course.tests if t.stage == CourseTestItem.POST]
    if post:
        return _percent_right(enrolment.contact_id, post, Answer.POST)
    items = [item.id for place in course.lessons for item in quizzes.lesson_items(place.lesson_id)]
    return _percent_right(enrolment.contact_id, items, None)


def _percent_right(contact_id: int, item_ids: list[int], stage: str | None) -> int:
    if not item_ids:
        return 100
    query = select(Answer.item_id, func.max(Answer.id).label("id")).where(
        Answer.contact_id == contact_id, Answer.item_id.in_(item_ids)
    )
    if stage:
        query = query.where(Answer.stage == stage)
    latest = query.group_by(Answer.item_id).subquery()
    right = (
        select(func.count()).select_from(Answer).join(latest, latest.c.id == Answer.id).where(Answer.correct)
    )
    return round(100 * (db.session.scalar(right) or 0) / len(item_ids))


def finish(enrolment: Enrolment) -> Certificate | None:
    """Close a finished enrolment; a certificate (and one SMS) if the score reaches the pass mark."""
    if enrolment.status != Enrolment.COMPLETED:
        enrolment.score = score(enrolment)
        enrolment.status = Enrolment.COMPLETED
        enrolment.completed_at = clock.now()
    if (enrolment.score or 0) < enrolment.course.pass_mark:
        return None
    return issue(enrolment)


def issue(enrolment: Enrolment) -> Certificate:
    """The enrolment's certificate, created once; its SMS is enqueued after the commit."""
    existing = db.session.scalar(select(Certificate).filter_by(enrolment_id=enrolment.id))
    if existing is not None:
        return existing
    certificate = Certificate(
        code=_new_code(),
        enrolment_id=enrolment.id,
        contact_id=enrolment.contact_id,
        course_id=enrolment.course_id,
        district_id=enrolment.contact.district_id,
        score=enrolment.score,
        issued_at=clock.now(),
    )
    db.session.add(certificate)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalars(select(Certificate).filter_by(enrolment_id=enrolment.id)).one()
    from learning import jobs  # here, not at the top: the jobs module imports this one

    queue.enqueue_after_commit("default", jobs.send_certificate_sms, certificate.id)
    return certificate


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Certificate.id).filter_by(code=code)) is None:
            return code


def send_sms(certificate_id: int) -> str | None:
    """Send the certificate's SMS once (never to someone who opted out); returns its SID."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.sms_sid:
        return None
    contact = certificate.contact
    if contact.opted_out_at is not None:
        certificate.sms_sid = "skipped:opted_out"
        db.session.commit()
        return None
    sent = twilio.send_sms(contact.phone, sms_text(certificate))
    certificate.sms_sid = sent.sid
    db.session.commit()
    log.info("certificate %s sent by SMS to %s", certificate.id, contact.masked_phone)
    return sent.sid


def sms_text(certificate: Certificate) -> str:
    """The SMS in the learner's language (English for a language without a text)."""
    language = certificate.contact.language_code or current_app.config["DEFAULT_LANGUAGE"]
    values = {
        "name": first_name(certificate.contact.name) or ("साथी" if language == "hi" else "friend"),
        "course": certificate.course.title(language),
        "code": certificate.code,
        "url": twilio.public_url(f"/verify/{certificate.code}"),
    }
    return SMS.get(language, SMS["en"]).format(**values)


def first_name(name: str) -> str:
    """The first word of a name."""
    return (name or "").strip().split(" ")[0] if (name or "").strip() else ""


def verify(code: str) -> Verified | None:
    """The public facts of a certificate, or None for an unknown code."""
    certificate = db.session.scalar(select(Certificate).filter_by(code=code.strip()))
    if certificate is None:
        return None
    return Verified(
        first_name=first_name(certificate.contact.name) or "—",
        course=certificate.course.title(page_language()),
        issued_at=certificate.issued_at,
        district=place_name(certificate.district) or "—",
    )


def certified_by_district(district_ids: set[int] | None) -> list[tuple[str, str, int]]:
    """(course, district, certified) rows in the page's language, limited to the given districts (None: all)."""
    query = select(Certificate.course_id, Certificate.district_id, func.count(Certificate.id)).group_by(
        Certificate.course_id, Certificate.district_id
    )
    if district_ids is not None:
        query = query.where(Certificate.district_id.in_(district_ids or {-1}))
    rows = [
        (_course_title(course_id), _district_name(district_id), count)
        for course_id, district_id, count in db.session.execute(query)
    ]
    return sorted(rows)


def _course_title(course_id: int) -> str:
    course = db.session.get(Course, course_id)
    return course.title(page_language()) if course else "—"


def _district_name(district_id: int | None) -> str:
    return place_name(db.session.get(District, district_id)) if district_id is not None else "—"


def certified_csv(district_ids: set[int] | None) -> str:
    """The certified counts as CSV, its header in the page's language."""
    header = [gettext("course"), gettext("district"), gettext("certified")]
    return csv_export.csv_text(header, certified_by_district(district_ids))
