"""The domain changes webhooks report, seen as rows change (nothing imports api, so api listens)."""

from sqlalchemy import event, inspect, select

from api import webhooks
from api.formats import iso
from audio.models import Lesson, Recording
from campaigns.models import CampaignRun
from core.models import Contact, SuppressionEvent
from learning.models import Certificate
from transcription.models import Question


def listen() -> None:
    """Start reporting changes to webhooks (called once from init_app; again is harmless)."""
    for target, name, handler in LISTENERS:
        if not event.contains(target, name, handler):
            event.listen(target, name, handler)


def _changed(row, attribute: str) -> bool:
    return inspect(row).attrs[attribute].history.has_changes()


def _opt_change(_mapper, connection, suppression: SuppressionEvent) -> None:
    name = "contact.opted_out" if suppression.action == SuppressionEvent.OPT_OUT else "contact.opted_in"
    data = {
        "contact_id": suppression.contact_id,
        "source": suppression.source,
        "at": iso(suppression.created_at),
    }
    webhooks.emit(connection, name, data, str(suppression.id), suppression.contact_id)


def _story(_mapper, connection, lesson: Lesson) -> None:
    if lesson.kind != Lesson.STORY or lesson.status != Lesson.PUBLISHED or not _changed(lesson, "status"):
        return
    contact_id = _caller(connection, lesson.source_recording_id)
    data = {"story_id": lesson.id, "topic_id": lesson.topic_id, "published_at": iso(lesson.published_at)}
    webhooks.emit(connection, "story.published", data, f"{lesson.id}:{iso(lesson.published_at)}", contact_id)


def _question_asked(_mapper, connection, question: Question) -> None:
    data = {"question_id": question.id, "recording_id": question.recording_id, "topic_id": question.topic_id}
    webhooks.emit(
        connection, "question.asked", data, str(question.id), _caller(connection, question.recording_id)
    )


def _question_answered(_mapper, connection, question: Question) -> None:
    if question.answered_at is None or not _changed(question, "answered_at"):
        return
    data = {
        "question_id": question.id,
        "topic_id": question.topic_id,
        "answered_at": iso(question.answered_at),
    }
    webhooks.emit(
        connection, "question.answered", data, str(question.id), _caller(connection, question.recording_id)
    )


def _campaign_finished(_mapper, connection, run: CampaignRun) -> None:
    if run.is_test or run.status != CampaignRun.DONE or not _changed(run, "status"):
        return
    data = {
        "campaign_id": run.campaign_id,
        "run_id": run.id,
        "audience_size": run.audience_size,
        "finished_at": iso(run.finished_at),
    }
    webhooks.emit(connection, "campaign.finished", data, str(run.id))


def _certificate_issued(_mapper, connection, certificate: Certificate) -> None:
    data = {
        "certificate_code": certificate.code,
        "course_id": certificate.course_id,
        "contact_id": certificate.contact_id,
        "district_id": certificate.district_id,
        "score": certificate.score,
        "issued_at": iso(certificate.issued_at),
    }
    webhooks.emit(connection, "certificate.issued", data, str(certificate.id), certificate.contact_id)


def _contact_erased(_mapper, connection, contact: Contact) -> None:
    webhooks.forget_contact(connection, contact.id)


def _caller(connection, recording_id: int | None) -> int | None:
    if recording_id is None:
        return None
    return connection.execute(select(Recording.contact_id).where(Recording.id == recording_id)).scalar()


LISTENERS = (
    (SuppressionEvent, "after_insert", _opt_change),
    (Lesson, "after_insert", _story),
    (Lesson, "after_update", _story),
    (Question, "after_insert", _question_asked),
    (Question, "after_update", _question_answered),
    (CampaignRun, "after_update", _campaign_finished),
    (Certificate, "after_insert", _certificate_issued),
    (Contact, "after_delete", _contact_erased),
)
