"""Checking contact fields sent to the API: each problem names its field, nothing is written here."""

from dataclasses import dataclass

from sqlalchemy import select

from api.access import current_token, in_districts
from api.errors import ApiError
from api.spec import MAX_ID
from core import people
from core.db import db
from core.models import Block, Contact, District, Language, Topic

ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
CONTACT_FIELDS = {
    "phone": {
        "type": "string",
        "minLength": 1,
        "maxLength": 32,
        "description": "Any dialable form; stored as E.164",
    },
    "name": {"type": "string", "maxLength": 120},
    "role": {"type": "string", "enum": list(Contact.ROLES)},
    "language": {"type": ["string", "null"], "maxLength": 8},
    "district_id": ID,
    "block_id": ID,
    "topics": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 60}},
}


@dataclass
class Problem:
    field: str | None
    code: str
    message: str

    def as_error(self) -> ApiError:
        """The problem as a 400 answer."""
        return ApiError(400, self.code, self.message, field=self.field)

    def as_dict(self, row: int) -> dict:
        """The problem as one entry of a bulk answer's row errors."""
        return {"row": row, "field": self.field, "code": self.code, "message": self.message}


def checked_values(data: dict, contact: Contact | None) -> tuple[dict, list[Problem]]:
    """Model values from API fields (contact: the one being updated), and every problem found."""
    problems: list[Problem] = []
    values = {key: data[key] for key in ("name", "role") if key in data}
    if "phone" in data:
        values["phone"] = _phone(data["phone"], problems)
    if "language" in data:
        values["language_code"] = _language(data["language"], problems)
    if "topics" in data:
        values["topics"] = _topics(data["topics"], problems)
    values.update(_places(data, contact, problems))
    return values, problems


def _phone(raw: str, problems: list[Problem]) -> str | None:
    try:
        return people.normalise_phone(raw)
    except people.InvalidPhoneError as error:
        problems.append(Problem("phone", "invalid_phone", str(error)))
        return None


def _language(code: str | None, problems: list[Problem]) -> str | None:
    if code is not None and db.session.get(Language, code) is None:
        problems.append(Problem("language", "unknown_language", f"Language '{code}' is not known here."))
    return code


def _topics(slugs: list[str], problems: list[Problem]) -> list[Topic]:
    topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs)))) if slugs else []
    unknown = sorted(set(slugs) - {t.slug for t in topics})
    if unknown:
        problems.append(Problem("topics", "unknown_topic", f"Unknown topic(s): {', '.join(unknown)}."))
    return topics


def _places(data: dict, contact: Contact | None, problems: list[Problem]) -> dict:
    """District and block, kept inside the token's districts and consistent with each other."""
    district_id = data.get("district_id", contact.district_id if contact else None)
    block_id = data.get("block_id", contact.block_id if contact else None)
    block = db.session.get(Block, block_id) if block_id else None
    if block_id and block is None:
        problems.append(Problem("block_id", "unknown_block", "No such block."))
    if block is not None and district_id is None:
        district_id = block.district_id
    district = _district(district_id, problems)
    if block is not None and block.district_id != district_id:
        problems.append(Problem("block_id", "wrong_block", "That block is not in the contact's district."))
    places = {"district_id": district_id, "block_id": block_id}
    return {**places, "state_id": district.state_id} if district and not problems else places


def _district(district_id: int | None, problems: list[Problem]) -> District | None:
    if district_id is None:
        if current_token().district_ids() is not None:
            problems.append(
                Problem("district_id", "required", "This token's contacts need one of its districts.")
            )
        return None
    district = db.session.get(District, district_id)
    if district is None or not in_districts(district_id):
        problems.append(Problem("district_id", "unknown_district", "No such district for this token."))
        return None
    return district
