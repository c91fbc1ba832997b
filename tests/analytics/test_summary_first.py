"""The officers' analytics page opens with its summary; each day-by-day table is folded under its chart."""

import re

from tests.analytics_fixtures import expected_calls_per_day, headline, last_28_days, people_in, seed_line


def test_the_summary_comes_first_with_a_sentence_per_figure(client, login):
    seed_line()
    login("officer", districts=["Sitapur"])
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    summary = page.index('id="summary"')
    assert summary < page.index("analytics-filters") < page.index('class="card analytics-table"')
    section = re.search(r'<section class="card summary".*?</section>', page, re.S).group(0)
    figures = re.findall(
        r'data-figure="([^"]+)"><span class="value">[^<]*</span><span class="label">[^<]*</span></span>'
        r'<span class="sentence">([^<]+)</span>',
        section,
    )
    assert [label for label, _ in figures][:2] == ["Calls", "Unique callers"]
    assert all(sentence.strip() for _, sentence in figures) and len(figures) >= 4
    calls = expected_calls_per_day(last_28_days(), people_in(["Sitapur"]))
    assert int(headline(section, "Calls")) == sum(v[0] for v in calls.values())


def test_every_table_is_folded_under_its_chart_and_downloadable(client, login):
    seed_line()
    login("curator")
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    sections = re.findall(r'<section class="card analytics-table" id="([^"]+)".*?</section>', page, re.S)
    assert len(sections) >= 6
    for match in re.finditer(
        r'<section class="card analytics-table" id="([^"]+)"(.*?)</section>', page, re.S
    ):
        slug, body = match.groups()
        if "<tbody>" not in body:
            continue  # nothing in the range: no table
        chart = body.find("<svg")  # a table without a chart is open under its heading
        assert chart < body.index("<details") < body.index("<table"), slug
        assert ('<details class="figures" open>' in body) == (chart == -1), slug
        assert f'href="/campaigns/analytics/{slug}.csv' in body, slug
