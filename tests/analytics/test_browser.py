"""The analytics pages in Debian's Chromium: every chart drawn with seeded data, every figure checked
against the same figure worked out from raw rows."""

import pytest

from tests.analytics_fixtures import (
    expected_calls_per_day,
    expected_recordings_per_day,
    expected_starts,
    expected_travel,
    first_segment_leavers,
    headline,
    last_28_days,
    page_table,
    people_in,
    seed_line,
)
from tests.browser import log_in
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def screenshot_every_chart(page, folder) -> list[str]:
    """Screenshot each chart on the page into folder; returns the slugs drawn."""
    charts = page.locator("svg.chart")
    slugs = []
    for n in range(charts.count()):
        chart = charts.nth(n)
        slug = chart.get_attribute("data-slug")
        chart.scroll_into_view_if_needed()
        assert chart.is_visible(), slug
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 100, (slug, box)
        assert chart.locator("polyline, rect").count() > 1, f"{slug} draws nothing"
        path = folder / f"{slug}.png"
        chart.screenshot(path=str(path))
        assert path.stat().st_size > 2000, f"{slug} screenshot is empty"
        slugs.append(slug)
    return slugs


def numbers(rows: list[list[str]]) -> dict[str, tuple]:
    return {row[0]: tuple(float(cell) if "." in cell else int(cell) for cell in row[1:]) for row in rows}


def test_the_dashboard_draws_every_chart_and_its_figures_match_the_rows(page, live_server, tmp_path):
    seed_line()
    filters = last_28_days()
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/campaigns/analytics")
    page.wait_for_selector("svg.chart")
    drawn = screenshot_every_chart(page, tmp_path)
    expected_charts = {
        "calls",
        "calls-by-place",
        "calls-by-role",
        "calls-by-language",
        "recordings",
        "published",
        "time-to-share",
        "questions",
        "listens-by-topic",
        "listen-through",
        "feedback",
        "story-travel",
        "reach",
    }
    assert set(drawn) == expected_charts
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    html = page.content()

    calls = expected_calls_per_day(filters)
    assert int(headline(html, "Calls")) == sum(v[0] for v in calls.values())
    assert int(headline(html, "New callers")) == sum(v[2] for v in calls.values())
    assert {d: v for d, v in numbers(page_table(html, "calls")).items() if any(v)} == calls
    recordings = expected_recordings_per_day(filters)
    assert {d: v for d, v in numbers(page_table(html, "recordings")).items() if any(v)} == recordings
    starts = expected_starts(filters)
    curve = page_table(html, "listen-through")
    first_lesson = max(starts, key=lambda lesson: (starts[lesson].get(0, 0), -lesson))
    heard = starts[first_lesson]
    assert [row[1] for row in curve] == [
        str(round(100 * heard.get(p, 0) / heard[0], 1)) if p <= max(heard) else "—" for p in range(len(curve))
    ]


def test_an_officer_dashboard_shows_their_district_only(page, live_server, tmp_path):
    seed_line()
    officer = make_staff("officer", districts=["Sitapur"])
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/campaigns/analytics")
    page.wait_for_selector("svg.chart")
    assert "calls-by-place" in screenshot_every_chart(page, tmp_path)
    html = page.content()
    calls = expected_calls_per_day(last_28_days(), people_in(["Sitapur"]))
    assert int(headline(html, "Calls")) == sum(v[0] for v in calls.values()) > 0
    assert page.locator("select[name=district] option").all_inner_texts() == [
        "All my districts",
        "Sitapur",  # in the page's language (सीतापुर on a Hindi page)
    ]


def test_the_learning_page_shows_travel_and_drop_off_matching_the_rows(page, live_server, tmp_path):
    seed_line()
    filters = last_28_days()
    curator = make_staff("curator")
    log_in(page, live_server, curator.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/review/analytics")
    page.wait_for_selector("svg.chart")
    assert {"drop-off", "story-travel", "listen-through", "feedback"} <= set(
        screenshot_every_chart(page, tmp_path)
    )
    page.screenshot(path=str(tmp_path / "learning.png"), full_page=True)
    html = page.content()

    travel = expected_travel(filters)
    shown = {
        int(row[0].split()[0][1:]): (int(row[3]), int(row[4])) for row in page_table(html, "story-travel")
    }
    assert shown and all(travel[story] == figures for story, figures in shown.items())
    most = sorted(travel.values(), key=lambda v: -v[1])[: len(shown)]
    assert sorted((v[1] for v in shown.values()), reverse=True) == [v[1] for v in most]
    leavers = first_segment_leavers(filters)
    for row in page_table(html, "drop-off"):
        assert leavers[int(row[0].split()[0][1:])] == (int(row[1]), int(row[2]))
    page.goto(live_server.url + "/campaigns/analytics/digest")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()  # printing leaves the workspace menu out
    page.screenshot(path=str(tmp_path / "digest.png"), full_page=True)
