"""Recordings, publication and the help desk, for the analytics pages: is knowledge shared, and how fast?"""

from flask_babel import gettext
from sqlalchemy import Select, case, func, select

from audio.models import Recording
from core import metrics
from core.db import db
from core.metrics import BAR, DASHBOARD, LEARNING, LINE, Filters, Table
from transcription import share_times
from transcription.models import Question


def recordings_per_day(filters: Filters) -> Table:
    """Stories recorded and questions asked on each local day."""
    day = metrics.local_day(Recording.created_at, filters).label("day")
    stories = func.sum(case((Recording.kind == Recording.STORY, 1), else_=0))
    questions = func.sum(case((Recording.kind == Recording.QUESTION, 1), else_=0))
    query = select(day, stories, questions).where(
        metrics.in_range(Recording.created_at, filters),
        Recording.kind.in_((Recording.STORY, Recording.QUESTION)),
    )
    if filters.topic_id:
        query = query.where(Recording.topic_id == filters.topic_id)
    counts = {
        d: (s, q)
        for d, s, q in db.session.execute(metrics.scoped(query, Recording.contact_id, filters).group_by(day))
    }
    rows = [(d, *counts.get(d, (0, 0))) for d in filters.days()]
    headline: list[tuple[str, object]] = [
        (gettext("Stories recorded"), sum(r[1] for r in rows)),
        (gettext("Questions asked"), sum(r[2] for r in rows)),
    ]
    return Table(
        "recordings",
        gettext("Recordings and questions per day"),
        [gettext("Day"), gettext("Stories"), gettext("Questions")],
        rows,
        LINE,
        headline=headline,
    )


def share_hours_per_week(filters: Filters) -> dict[str, list[float]]:
    """{Monday: [hours to share of each story published that week]} (share_times defines the figure)."""
    weeks: dict[str, list[float]] = {week: [] for week in filters.weeks()}
    for published, called, *_who in db.session.execute(share_times.published_stories(filters)):
        week = metrics.week_of(metrics.day_of(published, filters.zone))
        weeks.setdefault(week, []).append(share_times.hours_to_share(called, published))
    return weeks


def published_per_week(filters: Filters) -> Table:
    """Peer stories published each week."""
    rows = [(week, len(hours)) for week, hours in sorted(share_hours_per_week(filters).items())]
    headline: list[tuple[str, object]] = [(gettext("Stories published"), sum(r[1] for r in rows))]
    return Table(
        "published",
        gettext("Stories published per week"),
        [gettext("Week of"), gettext("Stories published")],
        rows,
        BAR,
        headline=headline,
    )


def time_to_share(filters: Filters) -> Table:
    """Median and 90th-percentile hours from the call to publication, per week of publication."""
    weeks = share_hours_per_week(filters)
    rows = [
        (week, share_times.median_hours_to_share(h), share_times.p90_hours_to_share(h))
        for week, h in sorted(weeks.items())
    ]
    every = [hours for week in weeks.values() for hours in week]
    headline: list[tuple[str, object]] = [
        (gettext("Median hours to share"), share_times.median_hours_to_share(every))
    ]
    columns = [gettext("Week of"), gettext("Median hours"), gettext("90th percentile hours")]
    note = gettext(
        "Hours from the caller's recording to its publication as a peer story (nearest-rank percentile)."
    )
    return Table(
        "time-to-share",
        gettext("Time to share (call to published)"),
        columns,
        rows,
        LINE,
        note=note,
        headline=headline,
    )


def _questions(filters: Filters, *columns) -> Select:
    query = select(*columns).join(Recording, Recording.id == Question.recording_id)
    if filters.topic_id:
        query = query.where(Question.topic_id == filters.topic_id)
    return metrics.scoped(query, Recording.contact_id, filters)


def questions_per_week(filters: Filters) -> Table:
    """Questions asked and answered each week, with the median hours from asking to the expert's answer."""
    weeks = {week: [0, []] for week in filters.weeks()}
    for (asked,) in db.session.execute(
        _questions(filters, Question.created_at).where(metrics.in_range(Question.created_at, filters))
    ):
        weeks.setdefault(metrics.week_of(metrics.day_of(asked, filters.zone)), [0, []])[0] += 1
    answered = _questions(filters, Question.created_at, Question.answered_at).where(
        metrics.in_range(Question.answered_at, filters)
    )
    for asked, answered_at in db.session.execute(answered):
        week = metrics.week_of(metrics.day_of(answered_at, filters.zone))
        weeks.setdefault(week, [0, []])[1].append(metrics.hours_between(asked, answered_at))
    rows = [
        (week, asked, len(hours), metrics.median(hours)) for week, (asked, hours) in sorted(weeks.items())
    ]
    headline: list[tuple[str, object]] = [(gettext("Questions answered"), sum(r[2] for r in rows))]
    columns = [gettext("Week of"), gettext("Asked"), gettext("Answered"), gettext("Median hours to answer")]
    note = gettext(
        "Asked counts questions by the week they were asked; answered and hours by the week of the answer."
    )
    return Table(
        "questions",
        gettext("Questions asked and answered per week"),
        columns,
        rows,
        BAR,
        [1, 2],
        note,
        headline,
    )


def register_metrics() -> None:
    """Add this package's tables to the officers' and curators' analytics pages (from init_app)."""
    metrics.register("recordings", (DASHBOARD,), recordings_per_day, position=50)
    metrics.register("published", (DASHBOARD, LEARNING), published_per_week, position=60)
    metrics.register("time-to-share", (DASHBOARD, LEARNING), time_to_share, position=70)
    metrics.register("questions", (DASHBOARD,), questions_per_week, position=80)
