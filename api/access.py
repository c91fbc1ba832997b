"""Who is calling: the token check, its scope, the rate limit, input checks and the audit of writes."""

import functools
import hashlib

from flask import Response, current_app, g, request
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

from api import audit, ratelimit, tokens
from api.errors import ApiError, error_response, handle_http_exception, not_found
from api.models import ApiToken
from api.spec import MAX_ID, Operation
from core.db import db


def current_token() -> ApiToken:
    """The token of this API request (set by the guard before any view runs)."""
    return g.api_token


def guarded(op: Operation):
    """The view of an operation behind the token check, with its input checked against its schemas."""

    @functools.wraps(op.view)
    def view(**path_values):
        """Authenticate, check input, run the view, audit a write, add an ETag to a read."""
        token = None
        try:
            token = authenticate(op)
            kwargs = {**path_ids(path_values), **parsed_input(op)}
            response = current_app.make_response(op.view(**kwargs))
        except ApiError as error:
            response = error_response(error, getattr(error, "extra", None))
        except HTTPException as error:
            response = handle_http_exception(error)
        if op.write and token is not None:
            audit.record(token, op.method, request.full_path.rstrip("?"), response.status_code)
        return conditional(response) if op.method == "GET" else response

    view.token_required = True  # read by the route-walking security tests, as allowed_roles is
    return view


def authenticate(op: Operation) -> ApiToken:
    """The request's live token, within its rate limit and allowed this operation."""
    token = tokens.find_token(_bearer())
    if token is None:
        raise ApiError(401, "unauthorized", "Send a live API token: Authorization: Bearer <token>.")
    wait = ratelimit.seconds_to_wait(token.id)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    if op.write and not token.writes:
        raise ApiError(403, "read_only_token", "This token may only read.")
    g.api_token = token
    tokens.touch(token)
    db.session.commit()
    return token


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") else ""


def path_ids(values: dict) -> dict:
    """Path ids beyond any row's range are simply not found."""
    if any(value > MAX_ID for value in values.values()):
        raise not_found()
    return values


def parsed_input(op: Operation) -> dict:
    """The operation's query values and JSON body, checked against what it declares."""
    kwargs = {}
    if op.query:
        kwargs["args"] = parsed_query(op.query)
    if op.body is not None:
        kwargs["body"] = parsed_body(op.body)
    return kwargs


def parsed_query(declared: dict[str, dict]) -> dict:
    """Declared query values, converted to their schema's type; undeclared ones are ignored."""
    values = {}
    for name, schema in declared.items():
        raw = request.args.get(name)
        if raw is None:
            continue
        if "\x00" in raw:
            raise ApiError(400, "invalid", f"'{name}' must not contain NUL characters.", field=name)
        values[name] = _converted(name, raw, schema)
        _check(schema, values[name], name)
    return values


def _converted(name: str, raw: str, schema: dict):
    kind = schema.get("type")
    if kind == "integer":
        if not raw.lstrip("-").isdigit():
            raise ApiError(400, "invalid", f"'{name}' must be a whole number.", field=name)
        return int(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ApiError(400, "invalid", f"'{name}' must be true or false.", field=name)
        return raw == "true"
    return raw


def parsed_body(schema: dict):
    """The JSON body, or a 400 naming the first field that does not fit the schema."""
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "Send a JSON body with Content-Type: application/json.")
    _check(schema, body, None)
    if _has_nul(body):  # PostgreSQL text cannot hold NUL, and no name or number has one
        raise ApiError(400, "invalid", "Text must not contain NUL characters.")
    return body


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_nul(item) for item in value)


def _check(schema: dict, value, name: str | None) -> None:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = next(iter(sorted(validator.iter_errors(value), key=lambda e: e.path)), None)
    if error is None:
        return
    field = name or field_of(error)
    raise ApiError(400, "invalid", f"{field or 'body'}: {error.message}", field=field)


def field_of(error) -> str | None:
    """The dotted path of the value a schema error is about (for a missing property, its name)."""
    path = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required" and "'" in error.message:
        missing = error.message.split("'")[1]
        path = f"{path}.{missing}" if path else missing
    return path or None


def conditional(response: Response) -> Response:
    """A strong ETag on every successful read, and 304 when If-None-Match already has it."""
    if response.status_code != 200:
        return response
    if response.get_etag()[0] is None:  # objects carry their own ETag, the one If-Match compares with
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


def district_ids() -> set[int] | None:
    """The districts the current token reaches (None: every district)."""
    return current_token().district_ids()


def in_districts(district_id: int | None) -> bool:
    """True if the current token reaches this district (rows without one are for all-district tokens only)."""
    allowed = district_ids()
    return allowed is None or district_id in allowed


def within(query, district_column):
    """The query narrowed to the current token's districts."""
    allowed = district_ids()
    return query if allowed is None else query.where(district_column.in_(allowed or {-1}))
