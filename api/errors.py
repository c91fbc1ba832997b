"""One shape for every API error: a code a program can test, a message a person can read, the field."""

from flask import jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error answered as {"error": {"code", "message", "field"}} with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "rows": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
}


def not_found(what: str = "object") -> ApiError:
    """The answer for a missing object and for one outside the token's districts alike."""
    return ApiError(404, "not_found", f"No such {what}.")


def error_response(error: ApiError, extra: dict | None = None):
    """The JSON response for an ApiError."""
    body = {"code": error.code, "message": error.message, "field": error.field, **(extra or {})}
    response = jsonify(error=body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def handle_api_error(error: ApiError):
    """The response for an ApiError raised outside the guard."""
    return error_response(error, getattr(error, "extra", None))


def handle_http_exception(error: HTTPException):
    """Flask's own errors (404, 405, 413...) in the API's shape, never an HTML page."""
    code = error.code or 500
    message = error.description or "Something went wrong."
    return error_response(ApiError(code, HTTP_CODES.get(code, "error"), message))
