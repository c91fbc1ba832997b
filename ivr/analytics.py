"""What happens on the line, for the analytics pages: calls, callers, listening, feedback, stories travelling."""

from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
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
from sqlalchemy.orm import joinedload

from audio.models import Lesson, LessonTrack, Recording
from core import metrics
from core.db import db, utcnow
from core.logs import mask_phone
from core.metrics import BAR, DASHBOARD, LEARNING, LINE, Filters, Table
from core.models import Block, Contact, District, Language, Topic
from ivr.models import Call, Feedback, FirstCall, ListenEvent, ListenSession, Rollup

DROP_OFF_SHARE = 50.0  # flagged when more than this share of listeners leave in the first segment
DROP_OFF_MIN_LISTENERS = 5  # fewer listeners say too little to flag a lesson
CURVES = 5  # lessons drawn on the listen-through chart (those with the most listeners)
TOP_CONTRIBUTORS = 3  # per district
LISTEN_SESSIONS, FIRST_CALLS = "listen_sessions", "first_calls"  # the summaries (Rollup names)
REFOLD_MINUTES = 15  # rows of calls still under way (or committed late) are folded again next time
TOP_ROWS = 20  # stories and lessons listed (the most heard first); the CSV has the same rows


def lesson_titles(lesson_ids) -> dict[int, str]:
    """A title for each lesson (its first track by language code)."""
    rows = db.session.execute(
        select(LessonTrack.lesson_id, LessonTrack.title)
        .where(LessonTrack.lesson_id.in_(set(lesson_ids) or {-1}))
        .order_by(LessonTrack.language_code.desc())
    )
    return {lesson_id: title for lesson_id, title in rows}


def _title(titles: dict[int, str], lesson_id: int) -> str:
    return f"#{lesson_id} {titles.get(lesson_id, 'untitled')}"


def contributor(contact: Contact | None) -> str:
    """How staff pages name a contributor: the name, else the masked number."""
    if contact is None:
        return "deleted caller"
    return contact.name or mask_phone(contact.phone)


# --- calls and callers ---


def _calls(filters: Filters, *columns) -> Select:
    query = select(*columns).where(metrics.in_range(Call.started_at, filters))
    return metrics.scoped(query, Call.contact_id, filters)


def calls_per_day(filters: Filters) -> Table:
    """Calls, unique callers and first-time callers on each local day."""
    day = metrics.local_day(Call.started_at, filters).label("day")
    counts = {
        d: (calls, callers)
        for d, calls, callers in db.session.execute(
            _calls(filters, day, func.count(Call.id), func.count(distinct(Call.contact_id))).group_by(day)
        )
    }
    new = new_callers(filters)
    rows = [(d, *counts.get(d, (0, 0)), new.get(d, 0)) for d in filters.days()]
    unique = db.session.scalar(_calls(filters, func.count(distinct(Call.contact_id))))
    headline = [
        ("Calls", sum(r[1] for r in rows)),
        ("Unique callers", unique),
        ("New callers", sum(new.values())),
    ]
    columns = ["Day", "Calls", "Unique callers", "New callers"]
    note = f"New callers: first call ever on the line. {_freshness(FIRST_CALLS, 'New callers')} "
    note += metrics.topic_note(filters)
    return Table("calls", "Calls per day", columns, rows, LINE, note=note, headline=headline)


def new_callers(filters: Filters) -> dict[str, int]:
    """Callers whose first call fell in the range, counted on that local day (from the first-call summary)."""
    day = metrics.local_day(FirstCall.first_call_at, filters)
    query = select(day, func.count()).where(metrics.in_range(FirstCall.first_call_at, filters))
    return dict(db.session.execute(metrics.scoped(query, FirstCall.contact_id, filters).group_by(day)).all())


def calls_by_place(filters: Filters) -> Table:
    """Calls and unique callers per district, or per block when one district is shown."""
    by_block = filters.district_ids is not None and len(filters.district_ids) == 1
    place, key = (Block, Contact.block_id) if by_block else (District, Contact.district_id)
    name = func.coalesce(place.name, "unknown").label("place")
    query = (
        _calls(filters, name, func.count(Call.id), func.count(distinct(Call.contact_id)))
        .join(Contact, Contact.id == Call.contact_id)
        .outerjoin(place, place.id == key)
        .group_by(name)
        .order_by(func.count(Call.id).desc(), name)
    )
    label = "Block" if by_block else "District"
    rows = [tuple(row) for row in db.session.execute(query)]
    return Table(
        "calls-by-place",
        f"Calls by {label.lower()}",
        [label, "Calls", "Unique callers"],
        rows,
        BAR,
        note=metrics.topic_note(filters),
    )


def calls_by_role(filters: Filters) -> Table:
    """Calls and unique callers per caller's role (mason, motivator...)."""
    role = func.coalesce(Contact.role, "unknown").label("role")
    query = (
        _calls(filters, role, func.count(Call.id), func.count(distinct(Call.contact_id)))
        .outerjoin(Contact, Contact.id == Call.contact_id)
        .group_by(role)
        .order_by(func.count(Call.id).desc(), role)
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    return Table(
        "calls-by-role",
        "Calls by caller's role",
        ["Role", "Calls", "Unique callers"],
        rows,
        BAR,
        note=metrics.topic_note(filters),
    )


def calls_by_language(filters: Filters) -> Table:
    """Calls and unique callers per language the call was in."""
    language = func.coalesce(Language.name, "not chosen").label("language")
    query = (
        _calls(filters, language, func.count(Call.id), func.count(distinct(Call.contact_id)))
        .outerjoin(Language, Language.code == Call.language_code)
        .group_by(language)
        .order_by(func.count(Call.id).desc(), language)
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    columns = ["Language", "Calls", "Unique callers"]
    return Table(
        "calls-by-language", "Calls by language", columns, rows, BAR, note=metrics.topic_note(filters)
    )


# --- summaries the pages read, brought up to date by a periodic job (ivr.jobs.refresh_analytics) ---


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


def _sessions(filters: Filters, *columns, kind: str | None = Lesson.LESSON, listeners: bool = True) -> Select:
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


def _heard_first() -> ColumnElement:
    return ListenSession.heard_first.is_(True)


def _freshness(summary: str = LISTEN_SESSIONS, what: str = "Listening") -> str:
    moment = as_of(summary)
    return f"{what} figures as of {moment:%Y-%m-%d %H:%M} UTC." if moment else f"{what} not summarised yet."


def listens_by_topic(filters: Filters) -> Table:
    """Calls that started a lesson or story, and distinct listeners, per topic."""
    topic = func.coalesce(Topic.name_en, "no topic").label("topic")
    query = (
        _sessions(
            filters,
            topic,
            func.count(ListenSession.id),
            func.count(distinct(ListenSession.contact_id)),
            kind=None,
        )
        .join(Lesson, Lesson.id == ListenSession.lesson_id)
        .outerjoin(Topic, Topic.id == Lesson.topic_id)
        .where(_heard_first())
        .group_by(topic)
        .order_by(func.count(ListenSession.id).desc(), topic)
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    columns = ["Topic", "Lessons and stories started", "Listeners"]
    return Table("listens-by-topic", "Listening by topic", columns, rows, BAR, note=_freshness())


def segment_starts(filters: Filters) -> dict[int, dict[int, int]]:
    """{lesson id: {segment position: calls that started it}} for lessons heard in the range."""
    query = _sessions(filters, ListenSession.lesson_id, ListenSession.positions, func.count(ListenSession.id))
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
    titles = lesson_titles(lesson_id for lesson_id, _ in ranked)
    last = max((max(positions) for _, positions in ranked), default=-1)
    rows = [
        (f"Part {p + 1}", *(_still_there(positions, p) for _, positions in ranked)) for p in range(last + 1)
    ]
    columns = ["Segment", *(f"{_title(titles, lesson_id)} (%)" for lesson_id, _ in ranked)]
    listeners = ", ".join(f"{_title(titles, lesson_id)}: {positions[0]}" for lesson_id, positions in ranked)
    note = f"Listeners who started each lesson: {listeners}. " if ranked else ""
    title = "Lesson listen-through (% still listening)"
    return Table("listen-through", title, columns, rows, LINE, note=note + _freshness())


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
    titles = lesson_titles(row[0] for row in counts)
    rows = [(_title(titles, i), yes, no, metrics.share(yes, yes + no)) for i, yes, no in counts]
    columns = ["Lesson", "Useful", "Not useful", "Useful (%)"]
    note = f"The {TOP_ROWS} lessons and stories with the most answers."
    return Table("feedback", "Feedback per lesson", columns, rows, BAR, series=[1, 2], note=note)


def first_segment_leavers(filters: Filters) -> list[tuple[int, int, int]]:
    """(lesson id, calls that started its first segment, those that went no further) per lesson."""
    left = func.sum(case((ListenSession.went_on, 0), else_=1))
    query = (
        _sessions(filters, ListenSession.lesson_id, func.count(ListenSession.id), left)
        .where(_heard_first())
        .group_by(ListenSession.lesson_id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def drop_off(filters: Filters) -> Table:
    """Lessons by the share of listeners who leave during the first segment; most of them leaving flags it."""
    leavers = sorted(first_segment_leavers(filters), key=lambda r: (-metrics.share(r[2], r[1]), r[0]))
    titles = lesson_titles(row[0] for row in leavers)
    rows = [
        (_title(titles, i), listeners, left, metrics.share(left, listeners), _flag(listeners, left))
        for i, listeners, left in leavers
    ]
    columns = ["Lesson", "Listeners", "Left in the first segment", "Left (%)", "Flag"]
    note = (
        f"Flagged: more than {DROP_OFF_SHARE:g}% of at least {DROP_OFF_MIN_LISTENERS} listeners "
        f"left during the first segment. {_freshness()}"
    )
    headline = [("Lessons flagged", sum(1 for row in rows if row[4]))]
    return Table("drop-off", "Lesson drop-off in the first segment", columns, rows, BAR, [3], note, headline)


def _flag(listeners: int, left: int) -> str:
    flagged = listeners >= DROP_OFF_MIN_LISTENERS and metrics.share(left, listeners) > DROP_OFF_SHARE
    return "drop-off" if flagged else ""


# --- learning that travels between people ---


def story_travel(filters: Filters) -> Table:
    """Stories by listeners from outside the teller's block (other callers who started them in the range).

    A listener counts as outside only when both blocks are known and differ.
    """
    listener, teller = Contact.__table__.alias("listener"), Contact.__table__.alias("teller")
    outside = case(
        (
            and_(listener.c.block_id.is_not(None), listener.c.block_id != teller.c.block_id),
            ListenSession.contact_id,
        )
    )
    counts = func.count(distinct(ListenSession.contact_id)), func.count(distinct(outside))
    query = (
        _sessions(filters, Lesson.id, teller.c.id, *counts, kind=Lesson.STORY, listeners=False)
        .join(Lesson, Lesson.id == ListenSession.lesson_id)
        .join(Recording, Recording.id == Lesson.source_recording_id)
        .join(teller, teller.c.id == Recording.contact_id)
        .outerjoin(listener, listener.c.id == ListenSession.contact_id)
        .where(_heard_first(), ListenSession.contact_id != teller.c.id)
        .group_by(Lesson.id, teller.c.id)
    )
    # the tellers are the filters' people; their listeners may live anywhere (that is the travel)
    query = metrics.scoped(query, teller.c.id, filters)
    found = sorted(db.session.execute(query), key=lambda r: (-r[3], -r[2], r[0]))
    return Table(
        "story-travel",
        "Stories that travelled: listeners outside the teller's block",
        ["Story", "Told by", "Teller's block", "Listeners", "Outside the block", "Outside (%)"],
        _travel_rows(found[:TOP_ROWS]),
        BAR,
        series=[4],
        note=f"The {TOP_ROWS} stories most heard outside their teller's block; listeners are other callers who "
        f"started the story in the range. {_freshness()}",
        headline=[("Stories heard outside their block", sum(1 for row in found if row[3]))],
    )


def _travel_rows(found: list) -> list[tuple]:
    titles = lesson_titles(row[0] for row in found)
    tellers = _contacts({row[1] for row in found})
    rows = []
    for lesson_id, teller_id, listeners, outside in found:
        teller = tellers.get(teller_id)
        block = teller.block.name if teller and teller.block else "unknown"
        share = metrics.share(outside, listeners)
        rows.append((_title(titles, lesson_id), contributor(teller), block, listeners, outside, share))
    return rows


def _contacts(ids: set[int]) -> dict[int, Contact]:
    """The contacts with their district and block loaded in the same query."""
    query = select(Contact).where(Contact.id.in_(ids or {-1}))
    return {
        c.id: c
        for c in db.session.scalars(query.options(joinedload(Contact.district), joinedload(Contact.block)))
    }


def top_contributors(filters: Filters) -> Table:
    """The tellers with the most listeners in the range in each district, with their published stories."""
    teller = Recording.contact_id
    query = (
        _sessions(
            filters,
            teller,
            func.count(distinct(ListenSession.contact_id)),
            kind=Lesson.STORY,
            listeners=False,
        )
        .join(Lesson, Lesson.id == ListenSession.lesson_id)
        .join(Recording, Recording.id == Lesson.source_recording_id)
        .where(ListenSession.contact_id != teller)
        .group_by(teller)
    )
    listeners = dict(db.session.execute(query).all())
    stories = dict(db.session.execute(_published_per_teller(filters)).all())
    return Table(
        "contributors",
        "Top contributors per district",
        ["District", "Contributor", "Block", "Stories published", "Listeners in the range"],
        _contributor_rows(stories, listeners),
        note=f"The {TOP_CONTRIBUTORS} tellers with the most listeners (then stories) in each district.",
    )


def _published_per_teller(filters: Filters) -> Select:
    query = (
        select(Recording.contact_id, func.count(Lesson.id))
        .join(Recording, Recording.id == Lesson.source_recording_id)
        .where(
            Lesson.kind == Lesson.STORY,
            Lesson.status == Lesson.PUBLISHED,
            Lesson.published_at < filters.until,
        )
        .where(Recording.contact_id.is_not(None))
        .group_by(Recording.contact_id)
    )
    return metrics.scoped(query, Recording.contact_id, filters)


def _contributor_rows(stories: dict[int, int], listeners: dict[int, int]) -> list[tuple]:
    ranked = sorted(
        _contacts(set(stories)).values(),
        key=lambda c: (c.district.name if c.district else "~", -listeners.get(c.id, 0), -stories[c.id], c.id),
    )
    rows, shown = [], {}
    for contact in ranked:
        district = contact.district.name if contact.district else "unknown"
        shown[district] = shown.get(district, 0) + 1
        if shown[district] <= TOP_CONTRIBUTORS:
            block = contact.block.name if contact.block else "unknown"
            rows.append(
                (district, contributor(contact), block, stories[contact.id], listeners.get(contact.id, 0))
            )
    return rows


def register_metrics() -> None:
    """Add this package's tables to the officers' and curators' analytics pages (from init_app)."""
    metrics.register("calls", (DASHBOARD,), calls_per_day, position=10)
    metrics.register("calls-by-place", (DASHBOARD,), calls_by_place, position=20)
    metrics.register("calls-by-role", (DASHBOARD,), calls_by_role, position=30)
    metrics.register("calls-by-language", (DASHBOARD,), calls_by_language, position=40)
    metrics.register("listens-by-topic", (DASHBOARD,), listens_by_topic, position=90)
    metrics.register("listen-through", (DASHBOARD, LEARNING), listen_through, position=100)
    metrics.register("feedback", (DASHBOARD, LEARNING), feedback_per_lesson, position=110)
    metrics.register("drop-off", (LEARNING,), drop_off, position=120)
    metrics.register("story-travel", (DASHBOARD, LEARNING), story_travel, position=130)
    metrics.register("contributors", (DASHBOARD, LEARNING), top_contributors, position=140)
