"""Staff forms answer every odd value with a message, never a server error.

Findings reproduced (issue 17, item 14): `inf` or `1e309` seconds in the approve, track-edit and
segment forms; a CSV field over 131,072 characters; a huge "not called in N days" (which also left the
campaign stuck "scheduled"); an analytics start date of 0001-01-01 all answered 500.
"""

import io

import pytest

from campaigns import audience
from core import contact_import, params
from tests.campaigns_fixtures import make_campaign
from tests.helpers import csrf_token

HUGE = "9" * 30
LONG_FIELD = "x" * 200_000


@pytest.mark.parametrize("seconds", ["inf", "1e309", "-inf", "nan", "1e300", HUGE, "12.5e3000"])
def test_seconds_that_are_not_a_time_are_refused_as_a_mistake(seconds):
    """The lesson editor and the approve form both read times through these two functions."""
    with pytest.raises(ValueError):
        params.milliseconds(seconds)
    with pytest.raises(ValueError):
        params.time_spans(f"1-{seconds}")
    assert params.milliseconds("12.5") == 12_500
    assert params.time_spans("12.5-14; 30-31") == [[12_500, 14_000], [30_000, 31_000]]


@pytest.mark.parametrize(
    "field", ["not_called_days", "not_finished_lesson_id", "district_ids", "topic_ids", "block_ids"]
)
def test_a_huge_audience_number_counts_nobody_instead_of_failing(client, login, field):
    login("officer", districts=("Sitapur",))
    token = csrf_token(client, "/campaigns/new")
    response = client.post("/campaigns/audience-count", data={"csrf_token": token, field: HUGE})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_a_campaign_saved_with_a_huge_day_count_still_starts(app, login):
    officer = login("officer", districts=("Sitapur",))
    campaign = make_campaign(user=officer, not_called_days=HUGE)
    filters = audience.clean_filters({"not_called_days": HUGE})
    assert audience.count(filters, None)["count"] >= 0
    assert len(audience.campaign_contacts(campaign)) >= 0


@pytest.mark.parametrize(
    "query",
    [
        "start=0001-01-01",
        "start=0001-01-01&end=0001-01-03",
        "end=0001-01-01",
        "start=9999-12-31",
        "start=9999-12-31&end=9999-12-31",
    ],
)
def test_analytics_dates_at_the_ends_of_the_calendar_show_a_page(client, login, query):
    login("admin")
    for page in ("/campaigns/analytics", "/review/analytics", "/campaigns/analytics/calls.csv"):
        response = client.get(f"{page}?{query}")
        assert response.status_code in (200, 404), f"{page}?{query}: {response.status_code}"


def test_a_csv_field_over_the_parsers_limit_is_a_reported_problem(app, login, client):
    report = contact_import.import_file(
        io.StringIO(f"phone,name\n+919800000001,{LONG_FIELD}\n"), dry_run=True
    )
    assert report.problems and "too long" in " ".join(report.errors)
    officer = login("officer", districts=("Sitapur",))
    campaign = make_campaign(user=officer)
    reported = audience.import_list(campaign, f"phone\n{LONG_FIELD}\n")
    assert reported.errors and "too long" in reported.errors[0]
