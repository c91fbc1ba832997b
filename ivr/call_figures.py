"""Analytics of calls and callers: calls per day, new callers, by place, role and language."""

from flask_babel import gettext
from sqlalchemy import (
    Select,
    distinct,
    func,
    select,
)

from audio.models import LessonTrack
from core import metrics, words
from core.db import db
from core.logs import mask_phone
from core.metrics import BAR, DASHBOARD, LEARNING, LINE, Filters, Table
from core.models import Block, Contact, District, Language
from ivr import listening_figures, listening_summaries, travel_figures
from ivr.models import Call, FirstCall


def lesson_titles(lesson_ids) -> dict[int, str]:
    """A title for each lesson (its first track by language code)."""
    rows = db.session.execute(
        select(LessonTrack.lesson_id, LessonTrack.title)
        .where(LessonTrack.lesson_id.in_(set(lesson_ids) or {-1}))
        .order_by(LessonTrack.language_code.desc())
    )
    return {lesson_id: title for lesson_id, title in rows}


def lesson_title(titles: dict[int, str], lesson_id: int) -> str:
    return f"#{lesson_id} {titles.get(lesson_id) or gettext('untitled')}"


def contributor(contact: Contact | None) -> str:
    """How staff pages name a contributor: the name, else the masked number."""
    if contact is None:
        return gettext("deleted caller")
    return contact.name or mask_phone(contact.phone)


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
        (gettext("Calls"), sum(r[1] for r in rows)),
        (gettext("Unique callers"), unique),
        (gettext("New callers"), sum(new.values())),
    ]
    columns = [gettext("Day"), gettext("Calls"), gettext("Unique callers"), gettext("New callers")]
    freshness = listening_figures.freshness_note(listening_summaries.FIRST_CALLS)
    note = (
        gettext("New callers: first call ever on the line.") + f" {freshness} " + metrics.topic_note(filters)
    )
    return Table("calls", gettext("Calls per day"), columns, rows, LINE, note=note, headline=headline)


def new_callers(filters: Filters) -> dict[str, int]:
    """Callers whose first call fell in the range, counted on that local day (from the first-call summary)."""
    day = metrics.local_day(FirstCall.first_call_at, filters)
    query = select(day, func.count()).where(metrics.in_range(FirstCall.first_call_at, filters))
    return dict(db.session.execute(metrics.scoped(query, FirstCall.contact_id, filters).group_by(day)).all())


def calls_by_place(filters: Filters) -> Table:
    """Calls and unique callers per district, or per block when one district is shown."""
    by_block = filters.district_ids is not None and len(filters.district_ids) == 1
    place, key = (Block, Contact.block_id) if by_block else (District, Contact.district_id)
    name = func.coalesce(place_name_column(place), gettext("unknown")).label("place")
    query = (
        _calls(filters, name, func.count(Call.id), func.count(distinct(Call.contact_id)))
        .join(Contact, Contact.id == Call.contact_id)
        .outerjoin(place, place.id == key)
        .group_by(name)
        .order_by(func.count(Call.id).desc(), name)
    )
    label = gettext("Block") if by_block else gettext("District")
    title = gettext("Calls by block") if by_block else gettext("Calls by district")
    rows = [tuple(row) for row in db.session.execute(query)]
    return Table(
        "calls-by-place",
        title,
        [label, gettext("Calls"), gettext("Unique callers")],
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
    rows = [
        (words.contact_role(role) if role != "unknown" else gettext("unknown"), *rest)
        for role, *rest in db.session.execute(query)
    ]
    return Table(
        "calls-by-role",
        gettext("Calls by caller's role"),
        [gettext("Role"), gettext("Calls"), gettext("Unique callers")],
        rows,
        BAR,
        note=metrics.topic_note(filters),
    )


def calls_by_language(filters: Filters) -> Table:
    """Calls and unique callers per language the call was in."""
    named = Language.native_name if words.page_language() == "hi" else Language.name
    language = func.coalesce(named, gettext("not chosen")).label("language")
    query = (
        _calls(filters, language, func.count(Call.id), func.count(distinct(Call.contact_id)))
        .outerjoin(Language, Language.code == Call.language_code)
        .group_by(language)
        .order_by(func.count(Call.id).desc(), language)
    )
    rows = [tuple(row) for row in db.session.execute(query)]
    columns = [gettext("Language"), gettext("Calls"), gettext("Unique callers")]
    title = gettext("Calls by language")
    return Table("calls-by-language", title, columns, rows, BAR, note=metrics.topic_note(filters))


def place_name_column(place):
    """A place's name as the page's reader knows it, in SQL (the Devanagari name on Hindi pages)."""
    if words.page_language() == "hi":
        return func.coalesce(func.nullif(place.name_hi, ""), place.name)
    return place.name


def register_metrics() -> None:
    """Add this package's tables to the officers' and curators' analytics pages (from init_app)."""
    metrics.register("calls", (DASHBOARD,), calls_per_day, position=10)
    metrics.register("calls-by-place", (DASHBOARD,), calls_by_place, position=20)
    metrics.register("calls-by-role", (DASHBOARD,), calls_by_role, position=30)
    metrics.register("calls-by-language", (DASHBOARD,), calls_by_language, position=40)
    metrics.register("listens-by-topic", (DASHBOARD,), listening_figures.listens_by_topic, position=90)
    metrics.register("listen-through", (DASHBOARD, LEARNING), listening_figures.listen_through, position=100)
    metrics.register("feedback", (DASHBOARD, LEARNING), listening_figures.feedback_per_lesson, position=110)
    metrics.register("drop-off", (LEARNING,), listening_figures.drop_off, position=120)
    metrics.register("story-travel", (DASHBOARD, LEARNING), travel_figures.story_travel, position=130)
    metrics.register("contributors", (DASHBOARD, LEARNING), travel_figures.top_contributors, position=140)
