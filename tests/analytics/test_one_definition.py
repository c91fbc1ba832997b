"""One definition of each figure: "median hours to share" is the same on every page that shows it."""

import re

from tests.analytics_fixtures import headline, last_28_days, seed_line
from transcription import analytics, share_times


def _time_to_share_page(html: str) -> tuple[int, str]:
    """(stories, median) of the Overall row of /review/time-to-share."""
    found = re.search(r"<td>Overall</td><td>(\d+)</td>\s*<td>([^<]*) h</td>", html)
    assert found, "no Overall row"
    return int(found.group(1)), found.group(2)


def test_median_hours_to_share_is_one_figure_on_every_page(client, login):
    seed_line()
    login("admin")
    dashboard = headline(client.get("/campaigns/analytics").get_data(as_text=True), "Median hours to share")
    learning = headline(client.get("/review/analytics").get_data(as_text=True), "Median hours to share")
    stories, time_to_share = _time_to_share_page(client.get("/review/time-to-share").get_data(as_text=True))
    published = headline(client.get("/review/analytics").get_data(as_text=True), "Stories published")
    assert dashboard == learning == time_to_share and stories == int(published)


def test_the_analytics_table_and_the_time_to_share_summary_share_one_function(app):
    seed_line()
    filters = last_28_days()
    table = analytics.time_to_share(filters)
    overall = share_times.time_to_share(filters)[0]
    every = [hours for week in analytics.share_hours_per_week(filters).values() for hours in week]
    assert overall.label == "Overall" and overall.count == len(every) > 0
    assert dict(table.headline)["Median hours to share"] == overall.median_hours
    assert overall.median_hours == share_times.median_hours_to_share(every)
    assert overall.p90_hours == share_times.p90_hours_to_share(every)
