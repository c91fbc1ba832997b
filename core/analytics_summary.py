"""The analytics pages' summary: the few figures an officer acts on, first, each with one plain sentence.

The figures are the tables' own at-a-glance figures (so the summary and the tables never disagree),
picked by table and position; a figure whose table is not on the page is left out.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext

from core.metrics import Table

# (table slug, position in its headline, what the figure tells the officer), in the order shown
SUMMARY = (
    ("calls", 0, lazy_gettext("Calls to the line in these days, repeat calls included.")),
    ("calls", 1, lazy_gettext("Different people who called: how many people the line reaches.")),
    ("reach", 0, lazy_gettext("People who picked up a campaign call: listeners your campaigns reached.")),
    ("recordings", 1, lazy_gettext("Questions callers left; compare with the questions answered.")),
    ("questions", 0, lazy_gettext("Questions answered by experts; the gap to those asked is waiting.")),
    ("published", 0, lazy_gettext("Callers' stories checked and shared back on the line.")),
    (
        "time-to-share",
        0,
        lazy_gettext("Half of the stories were shared within this many hours of the call."),
    ),
    ("drop-off", 0, lazy_gettext("Lessons most listeners leave in the first part: worth a look.")),
)


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    sentence: str


def summary(tables: list[Table]) -> list[Figure]:
    """The summary figures found among the page's tables, in SUMMARY's order."""
    by_slug = {table.slug: table for table in tables}
    figures = []
    for slug, position, sentence in SUMMARY:
        table = by_slug.get(slug)
        if table is not None and position < len(table.headline):
            label, value = table.headline[position]
            figures.append(Figure(str(label), value, str(sentence)))
    return figures


def the_rest(tables: list[Table]) -> list[tuple[str, object]]:
    """Every other at-a-glance figure of the page, in the tables' order."""
    shown = {(slug, position) for slug, position, _ in SUMMARY}
    return [
        (label, value)
        for table in tables
        for position, (label, value) in enumerate(table.headline)
        if (table.slug, position) not in shown
    ]
