"""The listening summaries the analytics pages read, folded from raw events by a periodic job."""

from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
)

from core.db import db, utcnow
from ivr.models import Call, FirstCall, ListenEvent, ListenSession, Rollup

LISTEN_SESSIONS, FIRST_CALLS = "listen_sessions", "first_calls"  # the summaries (Rollup names)


REFOLD_MINUTES = 15  # rows of calls still under way (or committed late) are folded again next time


def refresh_summaries() -> dict[str, int]:
    """Bring every summary up to date; returns how many calls and callers each took in."""
    return {LISTEN_SESSIONS: refresh_listen_sessions(), FIRST_CALLS: refresh_first_calls()}


def _rollup(name: str) -> datetime | None:
    """Mark the summary refreshed now; returns from when to fold rows in again (None: everything)."""
    state = db.session.get(Rollup, name) or Rollup(name=name)
    since = state.refreshed_at - timedelta(minutes=REFOLD_MINUTES) if state.refreshed_at else None
    state.refreshed_at = utcnow()
    db.session.add(state)
    return since


def refresh_listen_sessions() -> int:
    """Fold listening events logged since the last refresh into ListenSession rows; returns calls refolded."""
    since = _rollup(LISTEN_SESSIONS)
    calls = select(ListenEvent.call_id).distinct()
    if since is not None:
        calls = calls.where(ListenEvent.created_at >= since)
    count = db.session.scalar(select(func.count()).select_from(calls.subquery()))
    db.session.execute(delete(ListenSession).where(ListenSession.call_id.in_(calls)))
    db.session.execute(insert(ListenSession).from_select(SESSION_COLUMNS, _folded(calls)))
    db.session.commit()
    return count


def refresh_first_calls() -> int:
    """Note the first call of each caller not noted yet; returns how many were new."""
    since = _rollup(FIRST_CALLS)
    first = (
        select(Call.contact_id, func.min(Call.started_at))
        .where(Call.contact_id.is_not(None), Call.contact_id.not_in(select(FirstCall.contact_id)))
        .group_by(Call.contact_id)
    )
    if since is not None:
        first = first.where(Call.started_at >= since)
    added = db.session.scalar(select(func.count()).select_from(first.subquery()))
    db.session.execute(insert(FirstCall).from_select(["contact_id", "first_call_at"], first))
    db.session.commit()
    return added


SESSION_COLUMNS = ["call_id", "lesson_id", "contact_id", "started_at", "positions", "heard_first", "went_on"]


def _folded(calls: Select) -> Select:
    bit = cast(literal(1), BigInteger).op("<<")(ListenEvent.segment_position)
    # one bit per segment started; lessons are cut in parts of at most 90 s, so 63 bits are plenty
    started = case((and_(ListenEvent.event == ListenEvent.START, ListenEvent.segment_position < 63), bit))
    first = case(
        (and_(ListenEvent.segment_position == 0, ListenEvent.event == ListenEvent.START), 1), else_=0
    )
    went_on = case(
        (ListenEvent.segment_position >= 1, 1), (ListenEvent.event != ListenEvent.START, 1), else_=0
    )
    return (
        select(
            ListenEvent.call_id,
            ListenEvent.lesson_id,
            func.max(ListenEvent.contact_id),
            func.min(ListenEvent.created_at),
            func.coalesce(func.sum(distinct(started)), 0),
            func.max(first) == 1,
            func.max(went_on) == 1,
        )
        .where(ListenEvent.call_id.in_(calls))
        .group_by(ListenEvent.call_id, ListenEvent.lesson_id)
    )


def as_of(summary: str) -> datetime | None:
    """When a summary (LISTEN_SESSIONS, FIRST_CALLS) was last brought up to date; None: never."""
    return db.session.scalar(select(Rollup.refreshed_at).filter_by(name=summary))
