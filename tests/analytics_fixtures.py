"""Helpers for analytics tests: seeded line activity, filters, and the figures recomputed independently.

The expected figures come from plain SQL (text()) that reads raw rows, with days, weeks, medians and
percentiles worked out here in Python: nothing is shared with the code under test.
"""

import math
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from sqlalchemy import text

from core.db import db
from core.metrics import Filters
from ivr import synthetic

IST = ZoneInfo("Asia/Kolkata")


def seed_line(events: int = 3000, days: int = 40, seed: int = 7) -> dict:
    """Synthetic calls, listening, stories, questions and campaigns up to now."""
    return synthetic.seed(synthetic.Plan(events=events, days=days, seed=seed))


def last_28_days(**fields) -> Filters:
    """The pages' default range: the last 28 local days up to today."""
    today = datetime.now(IST).date()
    return Filters(today - timedelta(days=27), today, IST, **fields)


def sql(query: str, **params) -> list[tuple]:
    """Rows of a plain SQL query."""
    return [tuple(row) for row in db.session.execute(text(query), params)]


def utc(value) -> datetime:
    """A timestamp read by plain SQL (text on SQLite, aware on PostgreSQL) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(value) -> str:
    return utc(value).astimezone(IST).date().isoformat()


def monday(value) -> str:
    local = date.fromisoformat(day(value))
    return (local - timedelta(days=local.weekday())).isoformat()


def inside(value, filters: Filters) -> bool:
    start = datetime.combine(filters.start, datetime.min.time(), IST)
    end = datetime.combine(filters.end + timedelta(days=1), datetime.min.time(), IST)
    return value is not None and start <= utc(value) < end


def people_in(district_names: list[str]) -> set[int]:
    """Ids of contacts living in the named districts."""
    found = sql("SELECT c.id, d.name FROM contacts c JOIN districts d ON d.id = c.district_id")
    return {contact for contact, name in found if name in district_names}


def expected_calls_per_day(
    filters: Filters, people: set[int] | None = None
) -> dict[str, tuple[int, int, int]]:
    """{day: (calls, unique callers, first-time callers)} from raw call rows."""
    calls = sql("SELECT started_at, contact_id FROM ivr_calls")
    first = {}
    for started, contact in sorted(calls, key=lambda row: utc(row[0])):
        first.setdefault(contact, started)
    wanted = [(s, c) for s, c in calls if inside(s, filters) and (people is None or c in people)]
    per_day, callers = Counter(day(s) for s, _ in wanted), defaultdict(set)
    for started, contact in wanted:
        callers[day(started)].add(contact)
    new = Counter(
        day(first[c]) for c in {c for _, c in wanted} if c is not None and inside(first[c], filters)
    )
    return {d: (per_day[d], len(callers[d] - {None}), new[d]) for d in per_day | new}


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def middle(values: list[float]) -> float:
    return statistics.median(values)


def page_table(html: str, slug: str) -> list[list[str]]:
    """The body rows (cell texts) of the table a page shows for one slug."""
    section = re.search(rf'<section[^>]*id="{slug}".*?</section>', html, re.S)
    assert section, f"no table {slug} on the page"
    body = re.search(r"<tbody>(.*?)</tbody>", section.group(0), re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S)
    return [
        [unescape(cell.strip()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def headline(html: str, label: str) -> str:
    """The at-a-glance figure a page shows under a label."""
    found = re.search(rf'data-figure="{re.escape(label)}"><span class="value">([^<]*)</span>', html)
    assert found, f"no headline {label} on the page"
    return found.group(1)


def first_segment_leavers(filters: Filters) -> dict[int, tuple[int, int]]:
    """{lesson: (calls that started its first segment, calls that went no further)} from raw events."""
    events = sql(
        "SELECT e.lesson_id, e.call_id, e.segment_position, e.event, e.created_at FROM ivr_listen_events e "
        "JOIN lessons l ON l.id = e.lesson_id WHERE l.kind = 'lesson'"
    )
    sessions: dict[tuple, dict] = defaultdict(lambda: {"began": None, "first": False, "on": False})
    for lesson, call, position, event, at in events:
        session = sessions[(lesson, call)]
        session["began"] = min(session["began"] or utc(at), utc(at))
        session["first"] |= position == 0 and event == "start"
        session["on"] |= position >= 1 or event != "start"
    result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (lesson, _), session in sessions.items():
        if session["first"] and inside(session["began"], filters):
            result[lesson][0] += 1
            result[lesson][1] += not session["on"]
    return {lesson: tuple(counts) for lesson, counts in result.items()}


def expected_starts(filters) -> dict[int, dict[int, int]]:
    """{lesson: {segment: calls that started it}}, a call's listening counted on the day it began."""
    events = sql(
        "SELECT e.lesson_id, e.segment_position, e.call_id, e.event, e.created_at FROM ivr_listen_events e "
        "JOIN lessons l ON l.id = e.lesson_id WHERE l.kind = 'lesson'"
    )
    began = {}
    for lesson, _, call, _, at in events:
        began[(call, lesson)] = min(began.get((call, lesson), utc(at)), utc(at))
    calls = defaultdict(set)
    for lesson, position, call, event, _ in events:
        if event == "start" and inside(began[(call, lesson)], filters):
            calls[(lesson, position)].add(call)
    starts: dict[int, dict[int, int]] = defaultdict(dict)
    for (lesson, position), ids in calls.items():
        starts[lesson][position] = len(ids)
    return starts


def expected_travel(filters: Filters) -> dict[int, tuple[int, int]]:
    """{story: (other callers who started it in the range, those living outside the teller's block, both known)}."""
    events = sql(
        "SELECT e.lesson_id, e.call_id, e.contact_id, e.segment_position, e.event, e.created_at, "
        "t.id, t.block_id, h.block_id FROM ivr_listen_events e JOIN lessons l ON l.id = e.lesson_id "
        "JOIN recordings r ON r.id = l.source_recording_id JOIN contacts t ON t.id = r.contact_id "
        "LEFT JOIN contacts h ON h.id = e.contact_id WHERE l.kind = 'story'"
    )
    began = {}
    for lesson, call, *_, at, _, _, _ in events:
        began[(call, lesson)] = min(began.get((call, lesson), utc(at)), utc(at))
    listeners, outside = defaultdict(set), defaultdict(set)
    for lesson, call, listener, position, event, _, teller, teller_block, block in events:
        if (
            position == 0
            and event == "start"
            and inside(began[(call, lesson)], filters)
            and listener not in (None, teller)
        ):
            listeners[lesson].add(listener)
            if None not in (block, teller_block) and block != teller_block:
                outside[lesson].add(listener)
    return {lesson: (len(people), len(outside[lesson])) for lesson, people in listeners.items()}


def expected_recordings_per_day(filters: Filters) -> dict[str, tuple[int, int]]:
    """{day: (stories recorded, questions asked)} from raw recording rows."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, at in sql("SELECT kind, created_at FROM recordings WHERE kind IN ('story', 'question')"):
        if inside(at, filters):
            counts[day(at)][0 if kind == "story" else 1] += 1
    return {d: tuple(v) for d, v in counts.items()}
