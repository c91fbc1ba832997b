"""Learning that travels between people: how far stories travel and who contributes most per district."""

from flask_babel import gettext
from sqlalchemy import (
    Select,
    and_,
    case,
    distinct,
    func,
    select,
)
from sqlalchemy.orm import joinedload

from audio.models import Lesson, Recording
from core import metrics, words
from core.db import db
from core.metrics import BAR, Filters, Table
from core.models import Contact
from ivr import call_figures, listening_figures
from ivr.models import ListenSession

TOP_CONTRIBUTORS = 3  # per district


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
        listening_figures.listen_sessions_query(
            filters, Lesson.id, teller.c.id, *counts, kind=Lesson.STORY, listeners=False
        )
        .join(Lesson, Lesson.id == ListenSession.lesson_id)
        .join(Recording, Recording.id == Lesson.source_recording_id)
        .join(teller, teller.c.id == Recording.contact_id)
        .outerjoin(listener, listener.c.id == ListenSession.contact_id)
        .where(listening_figures.heard_first(), ListenSession.contact_id != teller.c.id)
        .group_by(Lesson.id, teller.c.id)
    )
    # the tellers are the filters' people; their listeners may live anywhere (that is the travel)
    query = metrics.scoped(query, teller.c.id, filters)
    found = sorted(db.session.execute(query), key=lambda r: (-r[3], -r[2], r[0]))
    columns = [
        gettext("Story"),
        gettext("Told by"),
        gettext("Teller's block"),
        gettext("Listeners"),
        gettext("Outside the block"),
        gettext("Outside, per cent"),
    ]
    note = gettext(
        "The %(count)s stories most heard outside their teller's block; listeners are other callers who "
        "started the story in the range.",
        count=listening_figures.TOP_ROWS,
    )
    return Table(
        "story-travel",
        gettext("Stories that travelled: listeners outside the teller's block"),
        columns,
        _travel_rows(found[: listening_figures.TOP_ROWS]),
        BAR,
        series=[4],
        note=f"{note} {listening_figures.freshness_note()}",
        headline=[(gettext("Stories heard outside their block"), sum(1 for row in found if row[3]))],
    )


def _travel_rows(found: list) -> list[tuple]:
    titles = call_figures.lesson_titles(row[0] for row in found)
    tellers = _contacts({row[1] for row in found})
    rows = []
    for lesson_id, teller_id, listeners, outside in found:
        teller = tellers.get(teller_id)
        block = words.place_name(teller.block) if teller and teller.block else gettext("unknown")
        share = metrics.share(outside, listeners)
        rows.append(
            (
                call_figures.lesson_title(titles, lesson_id),
                call_figures.contributor(teller),
                block,
                listeners,
                outside,
                share,
            )
        )
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
        listening_figures.listen_sessions_query(
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
    columns = [
        gettext("District"),
        gettext("Contributor"),
        gettext("Block"),
        gettext("Stories published"),
        gettext("Listeners in the range"),
    ]
    note = gettext(
        "The %(count)s tellers with the most listeners (then stories) in each district.",
        count=TOP_CONTRIBUTORS,
    )
    return Table(
        "contributors",
        gettext("Top contributors per district"),
        columns,
        _contributor_rows(stories, listeners),
        note=note,
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
        district = words.place_name(contact.district) if contact.district else gettext("unknown")
        shown[district] = shown.get(district, 0) + 1
        if shown[district] <= TOP_CONTRIBUTORS:
            block = words.place_name(contact.block) if contact.block else gettext("unknown")
            rows.append(
                (
                    district,
                    call_figures.contributor(contact),
                    block,
                    stories[contact.id],
                    listeners.get(contact.id, 0),
                )
            )
    return rows
