"""Spaced re-asks: a Leitner schedule per learner and item.

An item answered wrong (or skipped) enters box 1 and is due 2 days later. Right on a re-ask moves
it up a box (due after 7, 21, then 60 days); right in the last box means learned (no longer due).
Wrong at any point sends it back to box 1. Who is due today is one range scan on (due_at, ...).
"""

from datetime import datetime, timedelta

from sqlalchemy import Select, select

from core.db import db
from learning import clock
from learning.models import Answer, QuizItem, Reask

INTERVALS_DAYS = (2, 7, 21, 60)  # the wait after landing in box 1, 2, 3, 4
SKIPPED_REASK_DAYS = 1  # a re-ask the caller skipped with # comes back the next day, same box
MAX_PER_CALL = 2


def box_of(contact_id: int, item_id: int) -> int | None:
    """The item's box for this learner, None if it was never scheduled."""
    return db.session.scalar(select(Reask.box).filter_by(contact_id=contact_id, item_id=item_id))


def after_answer(
    contact_id: int, item_id: int, correct: bool, skipped: bool = False, stage: str = ""
) -> None:
    """Move the item in the learner's schedule after an answer."""
    now = clock.now()
    row = db.session.scalar(select(Reask).filter_by(contact_id=contact_id, item_id=item_id))
    if row is None:
        if not correct:  # right the first time: nothing to re-ask
            db.session.add(
                Reask(contact_id=contact_id, item_id=item_id, box=1, due_at=_due(1, now), updated_at=now)
            )
        return
    if skipped and stage == Answer.REASK:
        row.due_at = now + timedelta(days=SKIPPED_REASK_DAYS)
        row.updated_at = now
        return
    row.box = min(row.box + 1, len(INTERVALS_DAYS) + 1) if correct else 1
    row.due_at = _due(row.box, now)
    row.updated_at = now


def _due(box: int, now: datetime) -> datetime | None:
    return now + timedelta(days=INTERVALS_DAYS[box - 1]) if box <= len(INTERVALS_DAYS) else None


def due_query(now: datetime) -> Select:
    """SELECT (contact_id, item_id) of every re-ask due at `now`: one indexed range scan."""
    return select(Reask.contact_id, Reask.item_id).where(Reask.due_at <= now)


def due_for(contact_id: int, limit: int = MAX_PER_CALL) -> list[QuizItem]:
    """A learner's due items (published ones), the longest-waiting first."""
    query = (
        select(QuizItem)
        .join(Reask, Reask.item_id == QuizItem.id)
        .where(Reask.contact_id == contact_id, Reask.due_at <= clock.now())
        .where(QuizItem.status == QuizItem.PUBLISHED)
        .order_by(Reask.due_at, Reask.item_id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def has_due_items(contact_id_column, now: datetime):
    """EXISTS: the learner in `contact_id_column` has a published item due (uses (contact_id, due_at))."""
    due = select(Reask.id).join(QuizItem, QuizItem.id == Reask.item_id)
    due = due.where(Reask.contact_id == contact_id_column, Reask.due_at <= now)
    return due.where(QuizItem.status == QuizItem.PUBLISHED).exists()
