"""The analytics pages: officers kept to their districts, CSV exports, the digest, drop-off flags, masking."""

import csv
import io
import re
from datetime import datetime, timedelta

from babel.dates import format_date
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from core import cli, csv_export
from core.db import db
from core.metrics import Filters
from core.models import Block, District
from ivr import listening_summaries
from ivr.models import Call, ListenEvent
from tests.analytics_fixtures import (
    IST,
    expected_calls_per_day,
    first_segment_leavers,
    headline,
    last_28_days,
    page_table,
    people_in,
    seed_line,
)
from tests.campaigns_fixtures import make_lesson
from tests.factories import make_contact

FULL_NUMBER = re.compile(r"\+91\d{10}")


def district_id(name: str) -> int:
    return db.session.scalar(select(District.id).filter_by(name=name))


def test_an_officer_sees_only_the_calls_of_their_districts(client, login):
    seed_line()
    login("officer", districts=["Sitapur"])
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    expected = expected_calls_per_day(last_28_days(), people_in(["Sitapur"]))
    everyone = expected_calls_per_day(last_28_days())
    assert (
        int(headline(page, "Calls"))
        == sum(v[0] for v in expected.values())
        < sum(v[0] for v in everyone.values())
    )
    shown = {row[0]: tuple(int(n) for n in row[1:]) for row in page_table(page, "calls")}
    assert {d: v for d, v in shown.items() if any(v)} == expected
    assert "Lucknow" not in page  # neither in the filters nor in any table


def test_an_officer_asking_for_another_district_or_its_block_is_refused(client, login):
    seed_line()
    login("officer", districts=["Sitapur"])
    lucknow = district_id("Lucknow")
    block = db.session.scalar(select(Block.id).filter_by(district_id=lucknow))
    for query in (
        f"district={lucknow}",
        f"block={block}",
        f"district={district_id('Sitapur')}&block={block}",
    ):
        for path in ("/campaigns/analytics", "/campaigns/analytics/calls.csv", "/campaigns/analytics/digest"):
            response = client.get(f"{path}?{query}")
            assert response.status_code in (403, 404), (path, query)
            assert "Lucknow" not in response.get_data(as_text=True)


def test_a_curator_narrows_the_dashboard_to_one_block(client, login):
    seed_line()
    login("curator")
    biswan = db.session.scalar(select(Block).filter_by(name="Biswan"))
    page = client.get(f"/campaigns/analytics?block={biswan.id}").get_data(as_text=True)
    people = {
        c
        for (c,) in db.session.execute(text("SELECT id FROM contacts WHERE block_id = :b"), {"b": biswan.id})
    }
    expected = expected_calls_per_day(last_28_days(), people)
    assert int(headline(page, "Calls")) == sum(v[0] for v in expected.values()) > 0
    assert [row[0] for row in page_table(page, "calls-by-place")] == ["Biswan"]


def test_every_table_on_the_dashboard_and_the_learning_page_exports_as_csv(client, login):
    seed_line()
    login("curator")
    for page_path, csv_path in (
        ("/campaigns/analytics", "/campaigns/analytics"),
        ("/review/analytics", "/review/analytics"),
    ):
        page = client.get(page_path).get_data(as_text=True)
        slugs = re.findall(r'<section class="card analytics-table" id="([^"]+)"', page)
        assert len(slugs) >= 6
        for slug in slugs:
            response = client.get(f"{csv_path}/{slug}.csv")
            assert response.status_code == 200 and response.mimetype == "text/csv"
            rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
            shown = page_table(page, slug)
            expected = [["" if cell == "—" else csv_export.cell(cell) for cell in row] for row in shown]
            assert rows[1:] == expected, slug  # the same cells, formula prefixes neutralised
    assert client.get("/campaigns/analytics/no-such-table.csv").status_code == 404


def test_the_at_a_glance_figures_export_as_csv_with_the_page_filters(client, login):
    seed_line()
    login("curator")
    for page_path in ("/campaigns/analytics", "/review/analytics"):
        weeks = last_28_days()
        query = f"?start={weeks.start}&end={weeks.end}&role=mason"
        page = client.get(page_path + query).get_data(as_text=True)
        response = client.get(f"{page_path}/headlines.csv{query}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        [header, *rows] = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert header == ["table", "figure", "value"] and len(rows) >= 3
        for _table, label, value in rows:
            assert value == headline(page, label).replace("—", ""), label
        assert f'href="{page_path}/headlines.csv' in page


def test_lessons_most_listeners_leave_in_the_first_segment_are_flagged_for_curators(client, login):
    seed_line()
    login("curator")
    page = client.get("/review/analytics").get_data(as_text=True)
    expected = first_segment_leavers(last_28_days())
    flagged = {
        lesson for lesson, (listeners, left) in expected.items() if listeners >= 5 and left / listeners > 0.5
    }
    rows = {int(row[0].split()[0][1:]): row for row in page_table(page, "drop-off")}
    assert {lesson for lesson, row in rows.items() if row[4] == "drop-off"} == flagged and flagged
    for lesson, (listeners, left) in expected.items():
        assert rows[lesson][1:3] == [str(listeners), str(left)]
    assert headline(page, "Lessons flagged") == str(len(flagged))


def test_phone_numbers_are_masked_on_every_page_and_export(client, login):
    seed_line()
    login("curator")
    paths = ["/campaigns/analytics", "/review/analytics", "/campaigns/analytics/digest"]
    paths += ["/review/analytics/contributors.csv", "/review/analytics/story-travel.csv"]
    pages = [client.get(path).get_data(as_text=True) for path in paths]
    assert all(not FULL_NUMBER.search(page) for page in pages)
    assert any("+91••••" in page for page in pages)  # tellers without a name are shown by masked number


def test_the_weekly_digest_is_a_printable_summary_of_the_last_seven_days(client, login):
    seed_line()
    login("officer", districts=["Sitapur"])
    page = client.get("/campaigns/analytics/digest").get_data(as_text=True)
    yesterday = datetime.now(IST).date() - timedelta(days=1)
    first, last = (
        format_date(day, "d MMM y", locale="en") for day in (yesterday - timedelta(days=6), yesterday)
    )
    assert f"{first} to {last}" in page  # days as people write them, not ISO
    assert "data-print" in page and "print.js" in page
    week = Filters(yesterday - timedelta(days=6), yesterday, IST)
    expected = expected_calls_per_day(week, people_in(["Sitapur"]))
    assert int(headline(page, "Calls")) == sum(v[0] for v in expected.values())
    assert len(page_table(page, "calls")) == 7


def test_listening_figures_say_how_fresh_they_are_and_catch_up_when_refreshed(client, login):
    login("curator")
    lesson, contact = make_lesson(segments=2), make_contact()
    call = Call(call_sid="CA-fresh", contact_id=contact.id)
    db.session.add(call)
    db.session.flush()
    db.session.add(
        ListenEvent(
            call_id=call.id, contact_id=contact.id, lesson_id=lesson.id, segment_position=0, event="start"
        )
    )
    db.session.commit()
    page = client.get("/review/analytics").get_data(as_text=True)
    assert "These figures are not summarised yet." in page and page_table(page, "drop-off") == []
    assert listening_summaries.refresh_listen_sessions() == 1
    page = client.get("/review/analytics").get_data(as_text=True)
    assert re.search(r"Figures as of \d{1,2} \w{3} \d{4}, \d\d:\d\d\.", page)  # in the configured zone
    assert page_table(page, "drop-off")[0][1:3] == ["1", "1"]


def test_the_seed_command_fills_a_database_for_the_benchmark(tmp_path):
    url = f"sqlite:///{tmp_path / 'line.db'}"
    result = CliRunner().invoke(
        cli.command_line(), ["analytics", "seed", "--events", "2000", "--days", "30", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.connect() as connection:
        calls = connection.execute(text("SELECT count(*) FROM ivr_calls")).scalar()
        events = connection.execute(text("SELECT count(*) FROM ivr_listen_events")).scalar()
        sessions = connection.execute(text("SELECT count(*) FROM ivr_listen_sessions")).scalar()
    engine.dispose()
    assert calls + events == 2000 and calls == 400 and sessions > 0
    again = CliRunner().invoke(
        cli.command_line(), ["analytics", "seed", "--events", "2000", "--database-url", url]
    )
    assert again.exit_code != 0 and "already holds calls" in again.output  # never mixed with real calls


def test_a_periodic_job_keeps_new_callers_and_listening_up_to_date(client, login):
    from core import queue
    from ivr import jobs

    assert "ivr.jobs.refresh_analytics" in {job.name for job in queue.periodic_jobs()}
    login("curator")
    jobs.refresh_analytics()
    first = make_contact()
    db.session.add(Call(call_sid="CA-first", contact_id=first.id))
    db.session.commit()
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    assert headline(page, "Calls") == "1" and headline(page, "New callers") == "0"  # not summarised yet
    assert jobs.refresh_analytics() == {"listen_sessions": 0, "first_calls": 1}
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    assert (
        headline(page, "New callers") == "1"
        and "New callers: first call ever on the line. Figures as of" in page
    )
    db.session.add(Call(call_sid="CA-again", contact_id=first.id))
    db.session.commit()
    assert jobs.refresh_analytics()["first_calls"] == 0  # a second call is not a new caller


def test_an_officer_without_districts_sees_no_one_and_curators_pages_stay_closed(client, login):
    seed_line()
    login("officer")
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    assert headline(page, "Calls") == "0" and headline(page, "Unique callers") == "0"
    assert page_table(page, "calls-by-place") == [] and page_table(page, "reach") == []
    csv_rows = client.get("/campaigns/analytics/story-travel.csv").get_data(as_text=True).splitlines()
    assert len(csv_rows) == 1  # the header only
    assert client.get("/review/analytics").status_code == 403
    assert client.get("/review/analytics/drop-off.csv").status_code == 403
