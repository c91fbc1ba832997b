"""Operations declared next to their views, and the OpenAPI 3.1 document built from them.

Each resource module keeps an `Operations` list; its decorator only records the view with its
schemas. api.views turns the same records into routes, so the document cannot drift from the code.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from api.errors import ERROR_SCHEMA

MAX_ID = 2**31 - 1  # ids above this are no row's (and would overflow PostgreSQL's integer)
PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI form, relative to /api/v1: /contacts/{contact_id}
    view: Callable
    summary: str
    tag: str
    write: bool
    query: dict[str, dict] = field(default_factory=dict)  # name -> JSON schema
    body: dict | None = None
    responses: dict[int, dict] = field(default_factory=dict)  # status -> JSON schema (None: no body)
    description: str = ""

    @property
    def operation_id(self) -> str:
        """The view's name, unique across the API."""
        return self.view.__name__

    @property
    def path_params(self) -> list[str]:
        """The names of the path's {parameters}."""
        return PATH_PARAM.findall(self.path)

    @property
    def flask_rule(self) -> str:
        """The path as a Flask rule (every path parameter is an id)."""
        return PATH_PARAM.sub(r"<int:\1>", self.path)


class Operations:
    """The operations of one resource module, in the order they are declared."""

    def __init__(self, tag: str):
        self.tag = tag
        self.items: list[Operation] = []

    def get(self, path: str, summary: str, **options) -> Callable:
        """Declare a read."""
        return self._add("GET", path, summary, write=False, **options)

    def post(self, path: str, summary: str, **options) -> Callable:
        """Declare a write that creates or acts."""
        return self._add("POST", path, summary, write=True, **options)

    def patch(self, path: str, summary: str, **options) -> Callable:
        """Declare an update (If-Match is required)."""
        return self._add("PATCH", path, summary, write=True, **options)

    def _add(self, method: str, path: str, summary: str, **options) -> Callable:
        def record(view: Callable) -> Callable:
            """Keep the view with its declaration; the view itself is unchanged."""
            self.items.append(Operation(method, path, view, summary, self.tag, **options))
            return view

        return record


ERROR_STATUSES = {
    400: "The request is not valid: see error.field.",
    401: "No token, an unknown token or a revoked one.",
    403: "The token's scope does not allow this.",
    404: "No such object, or it is outside the token's districts.",
    429: "Over the token's rate limit: wait Retry-After seconds.",
}
STATUS_TEXT = {201: "Created.", 302: "Redirect to the file.", 409: "In conflict with the object's state."}
UPDATE_STATUSES = {
    412: "If-Match does not match the object's current ETag: someone changed it.",
    428: "Updates need an If-Match header with the ETag from a read.",
}


def document(operations: list[Operation], title: str, version: str) -> dict:
    """The OpenAPI 3.1 document describing these operations."""
    paths: dict[str, dict] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"token": []}],
    }


def _operation(op: Operation) -> dict:
    spec = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": _responses(op),
    }
    if op.description:
        spec["description"] = op.description
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    return spec


def _parameters(op: Operation) -> list[dict]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in op.path_params
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in op.query.items()
    ]
    if op.method == "PATCH":
        params.append({"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}})
    return params


def _responses(op: Operation) -> dict:
    responses = {}
    for status, schema in op.responses.items():
        responses[str(status)] = {"description": STATUS_TEXT.get(status, "OK")}
        if schema is not None:
            responses[str(status)]["content"] = {"application/json": {"schema": schema}}
        elif status >= 400:
            responses[str(status)]["content"] = _error_content()
    if op.method == "GET":
        responses["304"] = {"description": "Not modified since the ETag given in If-None-Match."}
    errors = {**ERROR_STATUSES, **(UPDATE_STATUSES if op.method == "PATCH" else {})}
    for status, text in errors.items():
        responses.setdefault(str(status), {"description": text, "content": _error_content()})
    return responses


def _error_content() -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
