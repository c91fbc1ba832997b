"""Bulk upsert of contacts by number: up to 1,000 rows, each checked, all-or-nothing unless asked otherwise."""

from jsonschema import Draft202012Validator

from api.access import field_of, in_districts
from api.contact_values import Problem, checked_values
from api.contacts import CREATE
from api.errors import ApiError
from api.spec import Operations
from core import people
from core.db import db
from core.models import Contact

ops = Operations("contacts")
MAX_ROWS = 1000
ROW_ERROR = {
    "type": "object",
    "properties": {
        "row": {"type": "integer"},
        "field": {"type": ["string", "null"]},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
}
BULK = {
    "type": "object",
    "required": ["contacts"],
    "additionalProperties": False,
    "properties": {
        "contacts": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ROWS,
            "items": {
                "type": "object",
                "description": "A contact as POST /contacts takes it; checked row by row",
            },
        },
        "all_or_nothing": {"type": "boolean", "default": True},
    },
}
RESULT = {
    "type": "object",
    "required": ["created", "updated", "errors"],
    "properties": {
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
        "ids": {"type": "array", "items": {"type": "integer"}},
        "errors": {"type": "array", "items": ROW_ERROR},
    },
}
_row_validator = Draft202012Validator(CREATE)


@ops.post(
    "/contacts/bulk",
    "Create or update up to 1,000 contacts by number",
    body=BULK,
    responses={200: RESULT},
    description="Rows are matched on the E.164 number. With all_or_nothing (the default) one bad row "
    "writes nothing and the 400 lists every bad row in error.rows.",
)
def bulk_upsert(body: dict):
    """Create or update every row by number, or none when a row is bad (unless all_or_nothing is false)."""
    checked, errors = _check_rows(body["contacts"])
    if errors and body.get("all_or_nothing", True):
        db.session.rollback()
        error = ApiError(400, "invalid_rows", f"{len(errors)} row(s) have problems: nothing was written.")
        error.extra = {"rows": errors}
        raise error
    created = updated = 0
    ids = []
    for existing, values in checked:
        contact = people.save_contact(values, existing)
        created, updated = (created + 1, updated) if existing is None else (created, updated + 1)
        db.session.flush()
        ids.append(contact.id)
    db.session.commit()
    return {"created": created, "updated": updated, "ids": ids, "errors": errors}


def _check_rows(rows: list[dict]) -> tuple[list[tuple[Contact | None, dict]], list[dict]]:
    checked, errors = [], []
    seen: dict[str | None, int] = {}
    for number, row in enumerate(rows):
        existing, values, problems = _check_row(row)
        phone = values.get("phone")
        if phone and phone in seen:
            problems.append(Problem("phone", "duplicate", f"The same number as row {seen[phone]}."))
        if problems:
            errors += [problem.as_dict(number) for problem in problems]
            continue
        seen[phone] = number
        checked.append((existing, values))
    return checked, errors


def _check_row(row: dict) -> tuple[Contact | None, dict, list[Problem]]:
    schema_error = next(iter(_row_validator.iter_errors(row)), None)
    if schema_error is not None:
        return None, {}, [Problem(field_of(schema_error), "invalid", schema_error.message)]
    existing = people.find_contact(row["phone"])
    if existing is not None and not in_districts(existing.district_id):
        return None, {}, [Problem("phone", "not_allowed", "This number cannot be changed with this token.")]
    values, problems = checked_values(row, existing)
    return existing, values, problems
