"""Retention of call logs: after RETENTION_DAYS_CALL_LOGS, calls and listening lose their link to a person."""

from datetime import timedelta

from sqlalchemy import delete, update

from core.db import db, utcnow
from ivr.models import (
    Call,
    Callback,
    Feedback,
    FirstCall,
    ListenEvent,
    ListenSession,
    MeetingListen,
    SmsMessage,
    TriedIt,
)


def expire_call_logs(days: int, now=None) -> dict[str, int]:
    """Unlink calls, listening and feedback older than `days` from people; delete old texts, callbacks, first calls."""
    if days <= 0:
        return {}
    cutoff = (now or utcnow()) - timedelta(days=days)
    counts = {
        "calls": _unlink_before(Call, Call.started_at, cutoff),
        "listening events": _unlink_before(ListenEvent, ListenEvent.created_at, cutoff),
        "listening summaries": _unlink_before(ListenSession, ListenSession.started_at, cutoff),
        "first calls": db.session.execute(delete(FirstCall).where(FirstCall.first_call_at < cutoff)).rowcount,
        "feedback": _unlink_before(Feedback, Feedback.created_at, cutoff),
        '"I tried this" answers': _unlink_before(TriedIt, TriedIt.created_at, cutoff),
        "village meeting listens": _unlink_before(MeetingListen, MeetingListen.created_at, cutoff),
        "text messages": db.session.execute(
            delete(SmsMessage).where(SmsMessage.created_at < cutoff)
        ).rowcount,
        "callbacks": db.session.execute(delete(Callback).where(Callback.created_at < cutoff)).rowcount,
    }
    db.session.commit()
    return counts


def _unlink_before(model, column, cutoff) -> int:
    query = update(model).where(column < cutoff, model.contact_id.is_not(None)).values(contact_id=None)
    return db.session.execute(query).rowcount
