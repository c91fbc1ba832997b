"""Districts and their blocks, as far as the token's district scope reaches."""

from sqlalchemy import select

from api.access import in_districts, within
from api.errors import not_found
from api.formats import object_response
from api.pages import PAGE_QUERY, page_of, paginate
from api.spec import Operations
from core.db import db
from core.models import Block, District

ops = Operations("places")
BLOCK = {
    "type": "object",
    "required": ["id", "name", "district_id"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "district_id": {"type": "integer"}},
}
DISTRICT = {
    "type": "object",
    "required": ["id", "name", "state", "blocks"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "state": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "blocks": {"type": "array", "items": BLOCK},
    },
}


def block_json(block: Block) -> dict:
    """A block as the API shows it."""
    return {"id": block.id, "name": block.name, "district_id": block.district_id}


def district_json(district: District) -> dict:
    """A district with its blocks, as the API shows it."""
    return {
        "id": district.id,
        "name": district.name,
        "state": {"id": district.state.id, "name": district.state.name},
        "blocks": [block_json(b) for b in sorted(district.blocks, key=lambda b: b.id)],
    }


@ops.get(
    "/districts", "List districts with their blocks", query=PAGE_QUERY, responses={200: page_of(DISTRICT)}
)
def list_districts(args: dict):
    """One page of the token's districts."""
    return paginate(within(select(District), District.id), District.id, args, district_json)


@ops.get("/districts/{district_id}", "Get a district with its blocks", responses={200: DISTRICT})
def get_district(district_id: int):
    """One district, if the token reaches it."""
    district = db.session.get(District, district_id)
    if district is None or not in_districts(district.id):
        raise not_found("district")
    return object_response(district_json(district))
