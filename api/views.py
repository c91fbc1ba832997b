"""The /api/v1 blueprint, built from the resource modules' operations, with its OpenAPI document and docs page."""

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from api import analytics, campaigns, contacts, contacts_bulk, learning, library, places, recordings
from api.access import guarded
from api.errors import ApiError, error_response
from api.spec import Operation, document

RESOURCES = (contacts, contacts_bulk, places, library, recordings, campaigns, learning, analytics)
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
TITLE, VERSION = "Chaupal API", "1.0.0"


def operations() -> list[Operation]:
    """Every operation of the API, in the order the resource modules declare them."""
    return [op for module in RESOURCES for op in module.ops.items]


def build_blueprint() -> Blueprint:
    """The API's routes: one per operation, each behind the token guard, plus its documents."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")
    for op in operations():
        bp.add_url_rule(op.flask_rule, f"{op.operation_id}", guarded(op), methods=[op.method])
    bp.add_url_rule("/openapi.json", "openapi", openapi)
    bp.add_url_rule("/docs", "docs", docs)
    bp.add_url_rule("/<path:rest>", "unknown", unknown, methods=API_METHODS)
    bp.register_error_handler(InternalServerError, server_error)
    return bp


def openapi():
    """The OpenAPI 3.1 document, built from the routes."""
    return jsonify(document(operations(), TITLE, VERSION))


def docs():
    """The browsable documentation, rendered from the same document."""
    return render_template("api/docs.html", spec=document(operations(), TITLE, VERSION))


def unknown(rest: str):
    """Anything else under /api/v1: a JSON 404, or 405 when the path exists for other methods."""
    adapter = current_app.url_map.bind("")
    allowed = [m for m in API_METHODS if m != request.method and _routed(adapter, request.path, m)]
    if allowed:
        error = ApiError(405, "method_not_allowed", f"Use {', '.join(allowed)} here.")
        return error_response(error), 405, {"Allow": ", ".join(allowed)}
    return error_response(ApiError(404, "not_found", "No such API path: see " + url_for("api.docs")))


def _routed(adapter, path: str, method: str) -> bool:
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:  # werkzeug says "no match" (or "redirect") by raising
        return False
    return endpoint != "api.unknown"


def server_error(_error):
    """An unexpected failure, in the API's error shape (the traceback goes to the log, not the caller)."""
    message = "Something went wrong on our side; it has been logged. Try again later."
    return error_response(ApiError(500, "server_error", message))
