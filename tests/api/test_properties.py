"""Property-based run of the served OpenAPI document: generated requests to every operation, with a
district token and an all-district token, never get a 5xx or a response the document does not describe."""

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from api.views import operations
from audio.models import Lesson, Recording
from core.db import db
from tests.campaigns_fixtures import make_campaign, make_lesson
from tests.factories import make_contact
from tests.schema_strategies import from_schema

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OPERATIONS = sorted((op.method, op.path, op.operation_id) for op in operations())


@pytest.fixture
def world(make_token):
    """A few rows of each kind in two districts, and the tokens that ask."""
    for name in ("Sitapur", "Lucknow"):
        contact = make_contact(district=name)
        recording = Recording(contact_id=contact.id, consent=Recording.NAMED, status=Recording.READY)
        db.session.add(recording)
        db.session.commit()
        make_lesson(kind=Lesson.STORY, source_recording_id=recording.id)
    make_campaign(districts=("Sitapur",))
    return [make_token("write", sees_phones=True), make_token("write", districts=["Sitapur"])]


def resolved(schema: dict, spec: dict) -> dict:
    """The schema with the document's one component reference written in place."""
    text = json.dumps(schema).replace(
        '{"$ref": "#/components/schemas/Error"}', json.dumps(spec["components"]["schemas"]["Error"])
    )
    return json.loads(text)


def request_strategy(op: dict):
    """Path ids (mostly small, to meet real rows), query values and a body for one operation."""
    path = {
        p["name"]: st.integers(1, 6) | from_schema(p["schema"]) for p in op["parameters"] if p["in"] == "path"
    }
    query = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
    query_schema = {"type": "object", "properties": query, "additionalProperties": False}
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    any_json = st.dictionaries(
        st.text(max_size=10), st.integers() | st.text(max_size=10) | st.none(), max_size=4
    )
    bodies = (from_schema(body) | any_json) if body else st.none()
    return st.fixed_dictionaries(
        {
            "path": st.fixed_dictionaries(path),
            "query": from_schema(query_schema),
            "body": bodies,
            "token": st.integers(0, 1),
            "if_match": st.booleans(),
        }
    )


def query_text(values: dict) -> str:
    plain = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in values.items()}
    return "?" + urlencode(plain) if plain else ""


@pytest.mark.parametrize(("method", "path", "operation_id"), OPERATIONS, ids=[o[2] for o in OPERATIONS])
def test_generated_requests_get_no_5xx_and_only_documented_answers(client, world, method, path, operation_id):
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"][path][method.lower()]

    @SETTINGS
    @given(request_strategy(op))
    def check(example):
        url = "/api/v1" + path.format(**example["path"]) + query_text(example["query"])
        headers = {"Authorization": f"Bearer {world[example['token']]}"}
        if method == "PATCH" and example["if_match"]:
            headers["If-Match"] = client.get(url.split("?")[0], headers=headers).headers.get("ETag", "x")
        response = client.open(url, method=method, headers=headers, json=example["body"])
        assert response.status_code < 500, response.get_data(as_text=True)
        documented = op["responses"].get(str(response.status_code))
        assert documented is not None, f"{method} {path} answered an undocumented {response.status_code}"
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            Draft202012Validator(resolved(schema, spec)).validate(response.json)

    check()
