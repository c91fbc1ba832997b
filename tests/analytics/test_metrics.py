"""The analytics figures against the same figures worked out independently from raw rows."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from audio.models import Lesson, Recording
from campaigns import analytics as campaign_metrics
from core import metrics
from core.db import db
from core.models import District
from ivr import call_figures, listening_figures, listening_summaries, travel_figures
from ivr.models import Call, ListenEvent
from tests.analytics_fixtures import (
    IST,
    day,
    expected_calls_per_day,
    expected_starts,
    inside,
    last_28_days,
    middle,
    monday,
    nearest_rank,
    people_in,
    seed_line,
    sql,
    utc,
)
from tests.campaigns_fixtures import make_lesson
from tests.factories import make_contact
from transcription import analytics as sharing_metrics


def rows_by_first_column(table: metrics.Table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_calls_unique_and_new_callers_per_day_match_the_call_rows():
    seed_line()
    filters = last_28_days()
    table = call_figures.calls_per_day(filters)
    expected = expected_calls_per_day(filters)
    assert [row[0] for row in table.rows] == filters.days()
    assert {d: v for d, v in rows_by_first_column(table).items() if any(v)} == expected
    assert sum(v[0] for v in expected.values()) > 100  # the seed put calls in the range
    callers = {c for s, c in sql("SELECT started_at, contact_id FROM ivr_calls") if inside(s, filters)}
    assert dict(table.headline)["Unique callers"] == len(callers - {None})


def test_a_late_evening_call_counts_on_the_next_local_day():
    contact = make_contact()
    today = datetime.now(IST).date()
    evening = datetime.combine(today - timedelta(days=2), datetime.min.time(), UTC) + timedelta(hours=20)
    db.session.add(Call(call_sid="CA-late", contact_id=contact.id, started_at=evening))
    db.session.commit()
    listening_summaries.refresh_summaries()
    rows = rows_by_first_column(call_figures.calls_per_day(last_28_days()))
    assert rows[(today - timedelta(days=1)).isoformat()] == (
        1,
        1,
        1,
    )  # 20:00 UTC is 01:30 the next day in India
    assert rows[(today - timedelta(days=2)).isoformat()] == (0, 0, 0)


def test_calls_by_district_role_and_language_match_grouping_sql():
    seed_line()
    filters = last_28_days()
    calls = [
        row
        for row in sql(
            "SELECT k.started_at, k.contact_id, d.name, c.role, l.name FROM ivr_calls k "
            "JOIN contacts c ON c.id = k.contact_id LEFT JOIN districts d ON d.id = c.district_id "
            "LEFT JOIN languages l ON l.code = k.language_code"
        )
        if inside(row[0], filters)
    ]
    for table, column in (
        (call_figures.calls_by_place(filters), 2),
        (call_figures.calls_by_role(filters), 3),
        (call_figures.calls_by_language(filters), 4),
    ):
        counts, callers = Counter(r[column] or "unknown" for r in calls), defaultdict(set)
        for row in calls:
            callers[row[column] or "unknown"].add(row[1])
        assert rows_by_first_column(table) == {key: (counts[key], len(callers[key])) for key in counts}


def test_blocks_replace_districts_when_one_district_is_shown():
    seed_line()
    sitapur = db.session.scalar(select(District.id).filter_by(name="Sitapur"))
    table = call_figures.calls_by_place(last_28_days(district_ids=frozenset({sitapur})))
    blocks = {name for (name,) in sql("SELECT b.name FROM blocks b WHERE b.district_id = :d", d=sitapur)}
    assert table.columns[0] == "Block"
    assert set(rows_by_first_column(table)) <= blocks | {"unknown"}
    people = people_in(["Sitapur"])
    expected = sum(v[0] for v in expected_calls_per_day(last_28_days(), people).values())
    assert sum(row[1] for row in table.rows) == expected


def test_listen_through_curves_are_shares_of_the_first_segment_listeners():
    seed_line()
    filters = last_28_days()
    starts = expected_starts(filters)
    assert listening_figures.segment_starts(filters) == starts
    table = listening_figures.listen_through(filters)
    top = sorted(starts, key=lambda lesson: (-starts[lesson].get(0, 0), lesson))[: listening_figures.CURVES]
    assert len(table.columns) == 1 + len(top) and len(top) == listening_figures.CURVES
    for n, lesson in enumerate(top, start=1):
        assert table.columns[n].startswith(f"#{lesson} ")
        for row, position in zip(table.rows, range(len(table.rows)), strict=True):
            heard = starts[lesson]
            share = round(100 * heard.get(position, 0) / heard[0], 1) if position <= max(heard) else None
            assert row[n] == share
    assert table.rows[0][1:] == (100.0,) * len(top)


def test_feedback_per_lesson_matches_the_feedback_rows():
    seed_line()
    filters = last_28_days()
    counts = defaultdict(lambda: [0, 0])
    for lesson, useful, at in sql("SELECT lesson_id, useful, created_at FROM ivr_feedback"):
        if inside(at, filters):
            counts[lesson][0 if useful else 1] += 1
    table = listening_figures.feedback_per_lesson(filters)
    shown = [(int(row[0].split()[0][1:]), row[1], row[2]) for row in table.rows]
    most = sorted(counts.items(), key=lambda item: (-sum(item[1]), item[0]))[: listening_figures.TOP_ROWS]
    assert shown == [(lesson, yes, no) for lesson, (yes, no) in most] and len(counts) > len(shown)


def test_lessons_where_most_listeners_leave_in_the_first_segment_are_flagged():
    keeps, loses, few = make_lesson(segments=3), make_lesson(segments=3), make_lesson(segments=3)
    contact = make_contact()
    plan = [(keeps, 6, 1), (loses, 6, 4), (few, 2, 2)]  # (lesson, listeners, how many leave in segment 1)
    for lesson, listeners, leaving in plan:
        for n in range(listeners):
            call = Call(call_sid=f"CA-{lesson.id}-{n}", contact_id=contact.id)
            db.session.add(call)
            db.session.flush()
            events = [(0, "start")] if n < leaving else [(0, "start"), (0, "complete"), (1, "start")]
            for position, event in events:
                db.session.add(
                    ListenEvent(call_id=call.id, lesson_id=lesson.id, segment_position=position, event=event)
                )
    db.session.commit()
    listening_summaries.refresh_listen_sessions()
    table = listening_figures.drop_off(last_28_days())
    rows = {int(row[0].split()[0][1:]): row[1:] for row in table.rows}
    assert rows[loses.id] == (6, 4, 66.7, "drop-off")
    assert rows[keeps.id] == (6, 1, 16.7, "")
    assert rows[few.id] == (2, 2, 100.0, "")  # too few listeners to say
    assert dict(table.headline) == {"Lessons flagged": 1}


def test_stories_travel_when_callers_from_other_blocks_listen():
    teller = make_contact(name="Kamla", district="Sitapur", block_id=block_id("Biswan"))
    story = make_lesson(kind=Lesson.STORY)
    recording = Recording(contact_id=teller.id, kind=Recording.STORY, status=Recording.READY)
    db.session.add(recording)
    db.session.flush()
    story.source_recording_id = recording.id
    neighbours = [make_contact(district="Sitapur", block_id=block_id("Biswan")) for _ in range(2)]
    far = [make_contact(district="Sitapur", block_id=block_id("Mahmudabad")) for _ in range(3)]
    nowhere = make_contact()  # no block known: heard it, but not counted as outside
    for n, listener in enumerate([teller, *neighbours, *far, nowhere, far[0]]):
        call = Call(call_sid=f"CA-story-{n}", contact_id=listener.id)
        db.session.add(call)
        db.session.flush()
        db.session.add(
            ListenEvent(
                call_id=call.id, contact_id=listener.id, lesson_id=story.id, segment_position=0, event="start"
            )
        )
    db.session.commit()
    listening_summaries.refresh_listen_sessions()
    table = travel_figures.story_travel(last_28_days())
    assert table.rows == [(f"#{story.id} Twin pits (hi)", "Kamla", "Biswan", 6, 3, 50.0)]
    contributors = travel_figures.top_contributors(last_28_days())
    assert contributors.rows == [("Sitapur", "Kamla", "Biswan", 1, 6)]


def block_id(name: str) -> int:
    return sql("SELECT id FROM blocks WHERE name = :n", n=name)[0][0]


def test_officers_district_filter_keeps_every_table_to_their_people():
    seed_line()
    sitapur = db.session.scalar(select(District.id).filter_by(name="Sitapur"))
    filters = last_28_days(district_ids=frozenset({sitapur}))
    people = people_in(["Sitapur"])
    expected = expected_calls_per_day(last_28_days(), people)
    table = call_figures.calls_per_day(filters)
    assert {d: v for d, v in rows_by_first_column(table).items() if any(v)} == expected
    everyone = sum(v[0] for v in expected_calls_per_day(last_28_days()).values())
    assert 0 < sum(v[0] for v in expected.values()) < everyone
    sent = defaultdict(set)
    for name, contact, at in sql(
        "SELECT c.name, d.contact_id, d.created_at FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id"
    ):
        if contact in people and inside(at, filters):
            sent[name].add(contact)
    reach = campaign_metrics.reach(filters)
    assert {row[0]: row[1] for row in reach.rows} == {name: len(ids) for name, ids in sent.items()}


def test_recordings_and_questions_per_day_match_the_recording_rows():
    seed_line()
    filters = last_28_days()
    counts = defaultdict(lambda: [0, 0])
    for kind, at in sql("SELECT kind, created_at FROM recordings WHERE kind IN ('story', 'question')"):
        if inside(at, filters):
            counts[day(at)][0 if kind == "story" else 1] += 1
    table = sharing_metrics.recordings_per_day(filters)
    assert {d: v for d, v in rows_by_first_column(table).items() if any(v)} == {
        d: tuple(v) for d, v in counts.items()
    }
    assert counts


def test_time_to_share_gives_the_median_and_90th_percentile_per_week():
    seed_line(events=20000)
    filters = last_28_days()
    weeks = defaultdict(list)
    for published, called in sql(
        "SELECT v.published_at, r.created_at FROM reviews v JOIN recordings r ON r.id = v.recording_id "
        "WHERE v.status = 'approved'"
    ):
        if inside(published, filters):
            weeks[monday(published)].append((utc(published) - utc(called)).total_seconds() / 3600)
    assert weeks
    table = sharing_metrics.time_to_share(filters)
    shown = {week: (median, p90) for week, median, p90 in table.rows if median is not None}
    assert shown == {w: (round(middle(h), 1), round(nearest_rank(h, 90), 1)) for w, h in weeks.items()}
    published = rows_by_first_column(sharing_metrics.published_per_week(filters))
    assert {w: v[0] for w, v in published.items() if v[0]} == {w: len(h) for w, h in weeks.items()}


def test_questions_answered_and_hours_to_answer_match_the_question_rows():
    seed_line(events=6000)
    filters = last_28_days()
    asked, answered = Counter(), defaultdict(list)
    for created, done in sql("SELECT created_at, answered_at FROM helpdesk_questions"):
        if inside(created, filters):
            asked[monday(created)] += 1
        if inside(done, filters):
            answered[monday(done)].append((utc(done) - utc(created)).total_seconds() / 3600)
    table = sharing_metrics.questions_per_week(filters)
    for week, count, n_answered, median in table.rows:
        assert (count, n_answered) == (asked[week], len(answered[week]))
        assert median == (round(middle(answered[week]), 1) if answered[week] else None)
    assert sum(asked.values()) and answered


def test_campaign_reach_counts_distinct_people_per_outcome():
    seed_line()
    filters = last_28_days()
    people = defaultdict(lambda: [set(), set(), set(), set()])
    for name, contact, channel, state, answered, listened, created in sql(
        "SELECT c.name, d.contact_id, d.channel, d.state, d.answered_at, d.listened_at, d.created_at "
        "FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id JOIN campaign_runs r ON r.id = d.run_id "
        "WHERE r.is_test = :no",
        no=False,
    ):
        if not inside(created, filters):
            continue
        sets = people[name]
        sets[0].add(contact)
        if channel == "voice" and answered is not None:
            sets[1].add(contact)
        if channel == "voice" and listened is not None:
            sets[2].add(contact)
        if channel == "sms" and state == "delivered":
            sets[3].add(contact)
    table = campaign_metrics.reach(filters)
    assert rows_by_first_column(table) == {name: tuple(len(s) for s in sets) for name, sets in people.items()}
    assert people


def test_role_language_and_topic_filters_narrow_the_counts():
    seed_line()
    masons = {c for (c,) in sql("SELECT id FROM contacts WHERE role = 'mason' AND language_code = 'hi'")}
    filters = last_28_days(role="mason", language="hi")
    table = call_figures.calls_per_day(filters)
    expected = expected_calls_per_day(last_28_days(), masons)
    assert {d: v for d, v in rows_by_first_column(table).items() if any(v)} == expected
    topic = sql("SELECT topic_id FROM lessons WHERE kind = 'lesson' ORDER BY id")[0][0]
    by_topic = listening_figures.listens_by_topic(last_28_days(topic_id=topic))
    names = {n for (n,) in sql("SELECT name_en FROM topics WHERE id = :t", t=topic)}
    assert set(rows_by_first_column(by_topic)) == names
    calls = call_figures.calls_per_day(last_28_days(topic_id=topic))
    assert "the topic filter does not change this table" in calls.note  # calls are about no one topic
    assert calls.rows == call_figures.calls_per_day(last_28_days()).rows


def test_csv_text_has_a_header_and_every_row():
    table = metrics.Table("t", "T", ["Week of", "Median hours"], [("2026-11-16", 1.5), ("2026-11-23", None)])
    assert metrics.csv_text(table).splitlines() == ["Week of,Median hours", "2026-11-16,1.5", "2026-11-23,"]
