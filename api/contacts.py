"""Contacts: list with filters, get, create, update, bulk upsert, and the one way to change opt-out."""

from flask import request
from sqlalchemy import select

from api.access import current_token, in_districts, within
from api.contact_values import CONTACT_FIELDS, checked_values
from api.errors import ApiError, not_found
from api.formats import TIMESTAMP, check_if_match, iso, object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import MAX_ID, Operations
from core import people
from core.db import db
from core.models import Contact

ops = Operations("contacts")
OPT_OUT_SOURCE = "api"
CONTACT = {
    "type": "object",
    "required": ["id", "phone", "name", "role", "language", "district_id", "block_id", "topics", "opted_out"],
    "properties": {
        "id": {"type": "integer"},
        "phone": {"type": "string", "description": "E.164, or masked for tokens that may not see numbers"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": list(Contact.ROLES)},
        "language": {"type": ["string", "null"]},
        "district_id": {"type": ["integer", "null"]},
        "block_id": {"type": ["integer", "null"]},
        "topics": {"type": "array", "items": {"type": "string"}},
        "opted_out": {"type": "boolean"},
        "opted_out_at": TIMESTAMP,
        "created_at": TIMESTAMP,
    },
}
CREATE = {
    "type": "object",
    "required": ["phone"],
    "additionalProperties": False,
    "properties": CONTACT_FIELDS,
}
UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: v for k, v in CONTACT_FIELDS.items() if k != "phone"},
}
FILTERS = {
    **PAGE_QUERY,
    "district_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "block_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "role": {"type": "string", "enum": list(Contact.ROLES)},
    "language": {"type": "string", "maxLength": 8},
    "opted_out": {"type": "boolean"},
    "phone": {
        "type": "string",
        "maxLength": 32,
        "description": "Exact number (tokens that see numbers only)",
    },
}
OPT_OUT = {
    "type": "object",
    "required": ["opted_out"],
    "additionalProperties": False,
    "properties": {"opted_out": {"type": "boolean"}},
}


def contact_json(contact: Contact) -> dict:
    """A contact as the API shows it to the current token."""
    return {
        "id": contact.id,
        "phone": contact.phone if current_token().sees_phones else contact.masked_phone,
        "name": contact.name,
        "role": contact.role,
        "language": contact.language_code,
        "district_id": contact.district_id,
        "block_id": contact.block_id,
        "topics": sorted(t.slug for t in contact.topics),
        "opted_out": contact.opted_out_at is not None,
        "opted_out_at": iso(contact.opted_out_at),
        "created_at": iso(contact.created_at),
    }


def visible_contact(contact_id: int) -> Contact:
    """The contact, if it is inside the token's districts; 404 alike for missing and walled-off ones."""
    contact = db.session.get(Contact, contact_id)
    if contact is None or not in_districts(contact.district_id):
        raise not_found("contact")
    return contact


@ops.get("/contacts", "List contacts", query=FILTERS, responses={200: page_of(CONTACT)})
def list_contacts(args: dict):
    """One page of the token's contacts, filtered."""
    query = within(select(Contact), Contact.district_id)
    for name in ("district_id", "block_id", "role"):
        if name in args:
            query = query.where(getattr(Contact, name) == args[name])
    if "language" in args:
        query = query.where(Contact.language_code == args["language"])
    if "opted_out" in args:
        query = query.where(
            Contact.opted_out_at.is_not(None) if args["opted_out"] else Contact.opted_out_at.is_(None)
        )
    if "phone" in args:
        query = query.where(Contact.phone == _phone_filter(args["phone"]))
    return paginate(query, Contact.id, args, contact_json)


def _phone_filter(raw: str) -> str:
    if not current_token().sees_phones:
        raise ApiError(403, "phones_hidden", "This token may not look people up by number.", field="phone")
    try:
        return people.normalise_phone(raw)
    except people.InvalidPhoneError as error:
        raise ApiError(400, "invalid_phone", str(error), field="phone") from None


@ops.get("/contacts/{contact_id}", "Get a contact", responses={200: CONTACT})
def get_contact(contact_id: int):
    """One contact."""
    return object_response(contact_json(visible_contact(contact_id)))


@ops.post("/contacts", "Create a contact", body=CREATE, responses={201: CONTACT, 409: None})
def create_contact(body: dict):
    """A new contact; 409 when the number is already known."""
    values, problems = checked_values(body, None)
    if problems:
        raise problems[0].as_error()
    if people.find_contact(values["phone"]) is not None:
        raise ApiError(
            409, "exists", "A contact with this number exists: update it, or use bulk upsert.", field="phone"
        )
    contact = people.save_contact(values)
    db.session.commit()
    return object_response(contact_json(contact), 201)


@ops.patch(
    "/contacts/{contact_id}", "Update a contact (send If-Match)", body=UPDATE, responses={200: CONTACT}
)
def update_contact(contact_id: int, body: dict):
    """Change a contact read earlier (If-Match); the number and opt-out are not changed here."""
    contact = visible_contact(contact_id)
    check_if_match(request.headers.get("If-Match"), contact_json(contact))
    values, problems = checked_values(body, contact)
    if problems:
        raise problems[0].as_error()
    people.save_contact(values, contact)
    db.session.commit()
    return object_response(contact_json(contact))


@ops.post(
    "/contacts/{contact_id}/opt-out",
    "Opt a contact out of (or back into) calls and messages",
    body=OPT_OUT,
    responses={200: CONTACT},
)
def set_opt_out(contact_id: int, body: dict):
    """Opt the contact out of, or back into, calls and messages (kept in the opt-out history)."""
    contact = visible_contact(contact_id)
    change = people.opt_out if body["opted_out"] else people.opt_in
    change(contact, OPT_OUT_SOURCE)
    db.session.commit()
    return object_response(contact_json(contact))
