"""Cursor pagination: opaque cursors over id order, stable while rows are added."""

import base64
import json

from flask import jsonify
from sqlalchemy import Select

from api.errors import ApiError
from core.db import db

DEFAULT_LIMIT, MAX_LIMIT = 50, 500
PAGE_QUERY = {
    "cursor": {"type": "string", "description": "The next_cursor of the previous page."},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
}


def page_of(item_schema: dict) -> dict:
    """The schema of one page of items."""
    return {
        "type": "object",
        "required": ["results", "next_cursor"],
        "properties": {
            "results": {"type": "array", "items": item_schema},
            "next_cursor": {"type": ["string", "null"]},
        },
    }


def encode(last_id: int) -> str:
    """The cursor that continues after this id."""
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    """The id a cursor continues after, or a 400 for anything that is not one of our cursors."""
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    except (ValueError, TypeError, KeyError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise ApiError(400, "invalid_cursor", "That cursor is not one this API gave out.", field="cursor")
    return after


def paginate(query: Select, id_column, args: dict, serialize) -> tuple:
    """One page of the query in id order, as the JSON response {results, next_cursor}."""
    limit = args.get("limit", DEFAULT_LIMIT)
    if "cursor" in args:
        query = query.where(id_column > decode(args["cursor"]))
    rows = list(db.session.scalars(query.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode(rows[-1].id) if more else None
    return jsonify(results=[serialize(row) for row in rows], next_cursor=next_cursor)
