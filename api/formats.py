"""How values look in the API: UTC ISO-8601 times, E.164 numbers (or masked), ETags of objects."""

import hashlib
import json
from datetime import UTC, datetime

from flask import Response, jsonify

from api.errors import ApiError

TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def iso(moment: datetime | None) -> str | None:
    """A time as UTC ISO-8601 with a Z (SQLite returns zone-less UTC times)."""
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def etag_of(representation: dict) -> str:
    """The ETag of an object's JSON representation (the same the read answered with)."""
    return hashlib.sha256(json.dumps(representation, sort_keys=True).encode()).hexdigest()[:32]


def check_if_match(header: str | None, representation: dict) -> None:
    """Refuse an update made without, or against an older version than, the object's current ETag."""
    if not header:
        raise ApiError(
            428, "precondition_required", "Send If-Match with the ETag from your last read.", field="If-Match"
        )
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    if "*" not in wanted and etag_of(representation) not in wanted:
        raise ApiError(
            412,
            "precondition_failed",
            "Someone changed this since your read: read it again.",
            field="If-Match",
        )


def object_response(representation: dict, status: int = 200) -> Response:
    """One object as JSON, with the ETag that If-Match on its updates compares with."""
    response = jsonify(representation)
    response.status_code = status
    response.set_etag(etag_of(representation))
    return response
