"""Learning analytics plumbing: the filters, the tables each package registers, day and week buckets.

Packages own their queries: each registers named table builders here when it is imported (ivr for
calls and listening, transcription for recordings and publication, campaigns for reach), and the
officers' and curators' pages render whatever is registered for them, without importing each other.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, select

from core import csv_export
from core.db import db
from core.models import Block, Contact, District, Language, Topic
from core.params import iso_date, whole_number

DASHBOARD, LEARNING = "dashboard", "learning"  # the officers' dashboard, the curators' learning view
LINE, BAR = "line", "bar"


@dataclass(frozen=True)
class Filters:
    """What a page asks for: local days (both ends included) and who the people counted are."""

    start: date
    end: date
    zone: ZoneInfo
    district_ids: frozenset[int] | None = None  # None: every district
    block_id: int | None = None
    role: str | None = None
    language: str | None = None
    topic_id: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def days(self) -> list[str]:
        """Every local day of the range as YYYY-MM-DD."""
        return [(self.start + timedelta(days=n)).isoformat() for n in range((self.end - self.start).days + 1)]

    def weeks(self) -> list[str]:
        """The Monday of every week the range touches, as YYYY-MM-DD."""
        return sorted({week_of(day) for day in self.days()})


@dataclass
class Table:
    """One table of figures, drawn as a chart when `chart` says how; the CSV export is the same rows."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple]
    chart: str = ""  # LINE, BAR or "" (a table only)
    series: list[int] = field(default_factory=list)  # the columns a chart draws (default: all but the first)
    note: str = ""
    headline: list[tuple[str, object]] = field(default_factory=list)  # (label, value) shown at a glance

    @property
    def plotted(self) -> list[int]:
        return self.series or list(range(1, len(self.columns)))


@dataclass(frozen=True)
class Provider:
    slug: str
    pages: tuple[str, ...]
    build: Callable[[Filters], Table]
    position: int


PROVIDERS: dict[str, Provider] = {}


def register(slug: str, pages: tuple[str, ...], build: Callable[[Filters], Table], position: int) -> None:
    """Offer a table to the named pages at a position (lower first); the same slug again replaces it."""
    PROVIDERS[slug] = Provider(slug, pages, build, position)


def tables(page: str, filters: Filters) -> list[Table]:
    """Every table registered for a page, built for these filters, in the order of their positions."""
    providers = sorted((p for p in PROVIDERS.values() if page in p.pages), key=lambda p: p.position)
    return [provider.build(filters) for provider in providers]


HEADLINES = "headlines"  # the slug of the at-a-glance figures, exported like a table


def table(page: str, slug: str, filters: Filters) -> Table | None:
    """One registered table of a page (or its at-a-glance figures), or None when the page has no such table."""
    if slug == HEADLINES:
        return headline_table(tables(page, filters))
    provider = PROVIDERS.get(slug)
    return provider.build(filters) if provider and page in provider.pages else None


def headline_table(built: list[Table]) -> Table:
    """Every table's at-a-glance figures as one table: where each comes from, its label, its value."""
    rows = [(source.title, label, value) for source in built for label, value in source.headline]
    columns = [gettext("table"), gettext("figure"), gettext("value")]
    return Table(HEADLINES, gettext("At a glance"), columns, rows)


def topic_note(filters: Filters) -> str:
    """A note for tables a topic cannot narrow (calls, campaigns), shown only when a topic is chosen."""
    return (
        gettext("Calls and campaigns are not about one topic: the topic filter does not change this table.")
        if filters.topic_id
        else ""
    )


def render_page(template: str, page: str, filters: Filters) -> str:
    """An analytics page: its tables for these filters and the filter form's choices."""
    return render_template(
        template,
        tables=tables(page, filters),
        filters=filters,
        choices=filter_choices(current_user.district_ids(), request.args),
    )


def csv_text(table: Table) -> str:
    """The table as CSV: a header row, then its rows (empty cells for missing values)."""
    return csv_export.csv_text(table.columns, table.rows)


def csv_download(table: Table | None, filters: Filters) -> Response:
    """The table as a CSV attachment named after it and the date range; 404 when there is no such table."""
    if table is None:
        abort(404)
    name = f"{table.slug}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    return Response(csv_text(table), mimetype="text/csv", headers=headers)


LONGEST_RANGE_DAYS = 366


def parse_filters(args, allowed: set[int] | None, zone: ZoneInfo) -> Filters:
    """Filters from a page's query string, kept to the districts a person may see (403 for any other)."""
    end = iso_date(args.get("end")) or datetime.now(zone).date()
    start = iso_date(args.get("start")) or end - timedelta(days=27)
    start = max(min(start, end), end - timedelta(days=LONGEST_RANGE_DAYS - 1))
    districts, block_id = _place(whole_number(args.get("district")), whole_number(args.get("block")), allowed)
    return Filters(
        start,
        end,
        zone,
        districts,
        block_id,
        role=args.get("role") if args.get("role") in Contact.ROLES else None,
        language=args.get("language") or None,
        topic_id=whole_number(args.get("topic")),
    )


def _place(
    district_id: int | None, block_id: int | None, allowed: set[int] | None
) -> tuple[frozenset[int] | None, int | None]:
    if block_id is not None:
        block = db.session.get(Block, block_id)
        if block is None:
            abort(404)
        district_id = district_id or block.district_id
        if block.district_id != district_id:
            abort(404)
    if district_id is not None and allowed is not None and district_id not in allowed:
        abort(403)
    if district_id is not None:
        return frozenset({district_id}), block_id
    return (frozenset(allowed) if allowed is not None else None), block_id


def filter_choices(allowed: set[int] | None, args) -> dict:
    """What the filter form offers: the districts a person may see, their blocks, roles, languages, topics."""
    districts = select(District).order_by(District.name)
    if allowed is not None:
        districts = districts.where(District.id.in_(allowed or {-1}))
    districts = list(db.session.scalars(districts))
    blocks = (
        select(Block).where(Block.district_id.in_([d.id for d in districts] or [-1])).order_by(Block.name)
    )
    return {
        "districts": districts,
        "district_id": whole_number(args.get("district")),
        "scoped": allowed is not None,
        "blocks": list(db.session.scalars(blocks)),
        "roles": Contact.ROLES,
        "languages": list(
            db.session.scalars(select(Language).where(Language.active).order_by(Language.menu_digit))
        ),
        "topics": list(db.session.scalars(select(Topic).where(Topic.active).order_by(Topic.position))),
    }


def people(filters: Filters) -> Select | None:
    """Ids of the contacts inside the filters' place, role and language; None when everyone counts."""
    conditions = []
    if filters.district_ids is not None:
        conditions.append(Contact.district_id.in_(filters.district_ids or {-1}))
    if filters.block_id is not None:
        conditions.append(Contact.block_id == filters.block_id)
    if filters.role:
        conditions.append(Contact.role == filters.role)
    if filters.language:
        conditions.append(Contact.language_code == filters.language)
    return select(Contact.id).where(*conditions) if conditions else None


def scoped(query: Select, contact_column, filters: Filters) -> Select:
    """The query kept to rows about the filters' people (rows about nobody drop out once any filter is set)."""
    ids = people(filters)
    return query if ids is None else query.where(contact_column.in_(ids))


def in_range(column, filters: Filters) -> ColumnElement:
    """The timestamp column falls on one of the filters' local days."""
    return (column >= filters.since) & (column < filters.until)


def local_day(column, filters: Filters) -> ColumnElement:
    """The local day (YYYY-MM-DD text) of a UTC timestamp column, on PostgreSQL or SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(filters.zone.key, column), "YYYY-MM-DD")
    # SQLite keeps UTC text without a zone: shift by the zone's offset at the start of the range.
    offset = filters.zone.utcoffset(datetime.combine(filters.start, time()))
    return func.strftime("%Y-%m-%d", column, f"{int(offset.total_seconds() // 60):+d} minutes")


def day_of(moment: datetime, zone: ZoneInfo) -> str:
    """The local day (YYYY-MM-DD) of a timestamp; naive ones are UTC (SQLite)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date().isoformat()


def week_of(day: str) -> str:
    """The Monday (YYYY-MM-DD) of the week a day falls in."""
    value = date.fromisoformat(day)
    return (value - timedelta(days=value.weekday())).isoformat()


def hours_between(earlier: datetime, later: datetime) -> float:
    """Hours from one timestamp to another; naive ones are UTC (SQLite)."""
    first = earlier if earlier.tzinfo else earlier.replace(tzinfo=UTC)
    second = later if later.tzinfo else later.replace(tzinfo=UTC)
    return (second - first).total_seconds() / 3600


def median(values: list[float]) -> float | None:
    """The middle value (mean of the two middle ones), rounded to 0.1; None when empty."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    value = ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 1)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile by nearest rank (an observed value), rounded to 0.1; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1], 1)


def share(part: int, whole: int) -> float:
    """part as a percentage of whole, rounded to 0.1 (0 when whole is 0)."""
    return round(100 * part / whole, 1) if whole else 0.0
