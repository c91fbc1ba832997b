"""B9's seeding and figures on a small schedule: the due query finds exactly the rows due by then."""

from datetime import timedelta

from sqlalchemy import func, select

from bench import b9_due_reasks
from core.db import db, utcnow
from learning import reasks
from learning.models import Enrolment, Reask


def test_the_bench_schedule_is_what_the_due_query_counts():
    b9_due_reasks.seed(learners=30, items=20)
    assert db.session.scalar(select(func.count()).select_from(Reask)) == 600
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 30
    moment = utcnow() + timedelta(days=3)
    due = db.session.execute(reasks.due_query(moment)).all()
    expected = [r for r in db.session.scalars(select(Reask)) if r.due_at <= moment]
    assert 0 < len(due) == len(expected) < 600
