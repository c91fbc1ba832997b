"""The at-a-glance figures of the officers' dashboard, with the same filters, inside the token's districts."""

from flask import jsonify

from api.access import district_ids
from api.spec import MAX_ID, Operations
from campaigns import schedule
from core import metrics
from core.models import Contact

ops = Operations("analytics")
FILTERS = {
    "start": {"type": "string", "format": "date", "description": "First local day (default: 28 days ago)"},
    "end": {"type": "string", "format": "date", "description": "Last local day (default: today)"},
    "district_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "block_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "role": {"type": "string", "enum": list(Contact.ROLES)},
    "language": {"type": "string", "maxLength": 8},
    "topic_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
PAGE_ARGS = {"district_id": "district", "block_id": "block", "topic_id": "topic"}  # the page's own names
SUMMARY = {
    "type": "object",
    "required": ["start", "end", "figures"],
    "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "figures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["table", "figure", "value"],
                "properties": {
                    "table": {"type": "string"},
                    "figure": {"type": "string"},
                    "value": {"type": ["number", "string", "null"]},
                },
            },
        },
    },
}


@ops.get(
    "/analytics/summary",
    "At-a-glance figures with the dashboard's filters",
    query=FILTERS,
    responses={200: SUMMARY},
)
def analytics_summary(args: dict):
    """The dashboard's at-a-glance figures for these filters, kept to the token's districts."""
    page_args = {PAGE_ARGS.get(name, name): str(value) for name, value in args.items()}
    filters = metrics.parse_filters(page_args, district_ids(), schedule.zone())
    headlines = metrics.table(metrics.DASHBOARD, metrics.HEADLINES, filters)
    figures = [{"table": t, "figure": f, "value": _plain(v)} for t, f, v in headlines.rows]
    return jsonify(start=filters.start.isoformat(), end=filters.end.isoformat(), figures=figures)


def _plain(value):
    return value if value is None or isinstance(value, int | float | str) else str(value)
