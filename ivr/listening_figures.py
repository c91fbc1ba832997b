"""Analytics of listening: by topic, listen-through per segment, feedback and first-segment drop-off."""

from flask_babel import gettext
from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    distinct,
    func,
    select,
)

from audio.models import Lesson
from core import metrics, words
from core.db import db
from core.local_time import local_time
from core.metrics import BAR, LINE, Filters, Table
from core.models import Topic
from ivr import call_figures, listening_summaries
from ivr.models import Feedback, ListenSession

DROP_OFF_SHARE = 50.0  # flagged when more than this share of listeners leave in the first segment


DROP_OFF_MIN_LISTENERS = 5  # fewer listeners say too little to flag a lesson


CURVES = 5  # lessons drawn on the listen-through chart (those with the most listeners)


TOP_ROWS = 20  # stories and lessons listed (the most heard first); the CSV has the same rows


def listen_sessions_query(
    filters: Filters, *columns, kind: str | None = Lesson.LESSON, listeners: bool = True
) -> Select:
    """Sessions begun in the range (of lessons of `kind` and the filters' topic); `listeners`: by the filters' people."""
    query = select(*columns).where(metrics.in_range(ListenSession.started_at, filters))
    lessons = select(Lesson.id)
    if kind:
        lessons = lessons.where(Lesson.kind == kind)
    if filters.topic_id:
        lessons = lessons.where(Lesson.topic_id == filters.topic_id)
    if kind or filters.topic_id:
        query = query.where(ListenSession.lesson_id.in_(lessons))
    return metrics.scoped(query, ListenSession.contact_id, filters) if listeners else query


def heard_first() -> ColumnElement:
    return ListenSession.heard_first.is_(True)


def freshness_note(summary: str = listening_summaries.LISTEN_SESSIONS) -> str:
    """When the summary these figures come from was last brought up to date."""
    moment = listening_summaries.as_of(summary)
    if moment is None:
        return gettext("These figures are not summarised yet.")
    return gettext("Figures as of %(moment)s.", moment=local_time(moment))


def listens_by_topic(filters: Filters) -> Table:
    """Calls that started a lesson or story, and distinct listeners, per topic."""
    named = Topic.name_hi if words.page_language() == "hi" else Topic.name_en
    topic = func.coalesce(named, gettext("no topic")).label("topic")
    query = (
        listen_sessions_query(
            filters,
            topic,
            func.count(ListenSession.id),
            func.count(distinct(ListenSession.contact_id)),
            kind=None,
        )
        .join(Lesson, Lesson.id == ListenSession.lesson_id)
        .outerjoin(Topic, Topic.id == Lesson.topic_id)
        .where(heard_first())
        .group_by(topic)
        .order_by(func.count(ListenSession.id).desc(), topic)
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    columns = [gettext("Topic"), gettext("Lessons and stories started"), gettext("Listeners")]
    title = gettext("Listening by topic")
    return Table("listens-by-topic", title, columns, rows, BAR, note=freshness_note())


def segment_starts(filters: Filters) -> dict[int, dict[int, int]]:
    """{lesson id: {segment position: calls that started it}} for lessons heard in the range."""
    query = listen_sessions_query(
        filters, ListenSession.lesson_id, ListenSession.positions, func.count(ListenSession.id)
    )
    starts: dict[int, dict[int, int]] = {}
    for lesson_id, positions, calls in db.session.execute(
        query.group_by(ListenSession.lesson_id, ListenSession.positions)
    ):
        segments = starts.setdefault(lesson_id, {})
        for position in range(positions.bit_length()):
            if positions >> position & 1:
                segments[position] = segments.get(position, 0) + calls
    return starts


def listen_through(filters: Filters) -> Table:
    """Share of a lesson's listeners (calls that started its first segment) still there at each segment."""
    starts = segment_starts(filters)
    ranked = sorted((s for s in starts.items() if s[1].get(0)), key=lambda s: (-s[1][0], s[0]))[:CURVES]
    titles = call_figures.lesson_titles(lesson_id for lesson_id, _ in ranked)
    last = max((max(positions) for _, positions in ranked), default=-1)
    rows = [
        (gettext("Part %(number)s", number=p + 1), *(_still_there(positions, p) for _, positions in ranked))
        for p in range(last + 1)
    ]
    lessons = [f"{call_figures.lesson_title(titles, lesson_id)} (%)" for lesson_id, _ in ranked]
    columns = [gettext("Segment"), *lessons]
    listeners = ", ".join(
        f"{call_figures.lesson_title(titles, lesson_id)}: {positions[0]}" for lesson_id, positions in ranked
    )
    note = (
        gettext("Listeners who started each lesson: %(listeners)s.", listeners=listeners) + " "
        if ranked
        else ""
    )
    title = gettext("Lesson listen-through: share still listening")
    return Table("listen-through", title, columns, rows, LINE, note=note + freshness_note())


def _still_there(positions: dict[int, int], position: int) -> float | None:
    """The share still listening at a segment; None past the last segment anyone started."""
    return metrics.share(positions.get(position, 0), positions[0]) if position <= max(positions) else None


def feedback_per_lesson(filters: Filters) -> Table:
    """Useful and not-useful answers per lesson or story."""
    useful = func.sum(case((Feedback.useful, 1), else_=0))
    query = select(Feedback.lesson_id, useful, func.count(Feedback.id) - useful).where(
        metrics.in_range(Feedback.created_at, filters)
    )
    if filters.topic_id:
        query = query.where(
            Feedback.lesson_id.in_(select(Lesson.id).where(Lesson.topic_id == filters.topic_id))
        )
    query = metrics.scoped(query, Feedback.contact_id, filters).group_by(Feedback.lesson_id)
    counts = sorted(db.session.execute(query), key=lambda r: (-(r[1] + r[2]), r[0]))[:TOP_ROWS]
    titles = call_figures.lesson_titles(row[0] for row in counts)
    rows = [
        (call_figures.lesson_title(titles, i), yes, no, metrics.share(yes, yes + no)) for i, yes, no in counts
    ]
    columns = [gettext("Lesson"), gettext("Useful"), gettext("Not useful"), gettext("Useful, per cent")]
    note = gettext("The %(count)s lessons and stories with the most answers.", count=TOP_ROWS)
    return Table("feedback", gettext("Feedback per lesson"), columns, rows, BAR, series=[1, 2], note=note)


def first_segment_leavers(filters: Filters) -> list[tuple[int, int, int]]:
    """(lesson id, calls that started its first segment, those that went no further) per lesson."""
    left = func.sum(case((ListenSession.went_on, 0), else_=1))
    query = (
        listen_sessions_query(filters, ListenSession.lesson_id, func.count(ListenSession.id), left)
        .where(heard_first())
        .group_by(ListenSession.lesson_id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def drop_off(filters: Filters) -> Table:
    """Lessons by the share of listeners who leave during the first segment; most of them leaving flags it."""
    leavers = sorted(first_segment_leavers(filters), key=lambda r: (-metrics.share(r[2], r[1]), r[0]))
    titles = call_figures.lesson_titles(row[0] for row in leavers)
    rows = [
        (
            call_figures.lesson_title(titles, i),
            listeners,
            left,
            metrics.share(left, listeners),
            _flag(listeners, left),
        )
        for i, listeners, left in leavers
    ]
    columns = [
        gettext("Lesson"),
        gettext("Listeners"),
        gettext("Left in the first segment"),
        gettext("Left, per cent"),
        gettext("Flag"),
    ]
    flagged = gettext(
        "Flagged: more than %(share)s per cent of at least %(listeners)s listeners left during the first segment.",
        share=f"{DROP_OFF_SHARE:g}",
        listeners=DROP_OFF_MIN_LISTENERS,
    )
    headline: list[tuple[str, object]] = [(gettext("Lessons flagged"), sum(1 for row in rows if row[4]))]
    title = gettext("Lesson drop-off in the first segment")
    return Table("drop-off", title, columns, rows, BAR, [3], f"{flagged} {freshness_note()}", headline)


def _flag(listeners: int, left: int) -> str:
    flagged = listeners >= DROP_OFF_MIN_LISTENERS and metrics.share(left, listeners) > DROP_OFF_SHARE
    return gettext("drop-off") if flagged else ""
