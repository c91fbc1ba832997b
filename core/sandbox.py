"""A Twilio-compatible REST sandbox inside the app, used in development without Twilio credentials.

Outbound calls and SMS land in the simulator's inbox (SandboxMessage); recordings made in the
simulator are served like Twilio's, so the normal download job fetches them over HTTP.
"""

import secrets
from email.utils import formatdate
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, request

from core.auth import csrf
from core.db import db, rows_changed
from core.models import SandboxMessage, SandboxRecording

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox-twilio/2010-04-01/Accounts/<account_sid>")


@bp.before_request
def require_sandbox_credentials():
    if not current_app.config.get("TWILIO_SANDBOX"):
        abort(404)
    auth = request.authorization
    config = current_app.config
    expected = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    given = (auth.username, auth.password) if auth else ("", "")
    path_ok = request.view_args and request.view_args.get("account_sid") == expected[0]
    if not (path_ok and secrets.compare_digest("\n".join(given), "\n".join(expected))):
        return jsonify(code=20003, message="Authentication Error - invalid username", status=401), 401
    return None


API_VERSION = "2010-04-01"
LIST_KEYS = {SandboxMessage.SMS: "messages", SandboxMessage.CALL: "calls"}
PATHS = {SandboxMessage.SMS: "Messages", SandboxMessage.CALL: "Calls"}
MAX_PAGE_SIZE = 1000  # as Twilio's list endpoints


def _resource(message: SandboxMessage) -> dict:
    """The message or call as Twilio's API spec (twilio_api_v2010.json) shapes it."""
    common = _common_fields(message)
    if message.kind == SandboxMessage.SMS:
        return common | _message_fields(message)
    return common | _call_fields(message)


def _common_fields(message: SandboxMessage) -> dict:
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    created = formatdate(message.created_at.timestamp(), usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account}/{PATHS[message.kind]}/{message.sid}.json"
    return {
        "sid": message.sid,
        "account_sid": account,
        "api_version": API_VERSION,
        "to": message.to,
        "from": current_app.config["TWILIO_CALLER_ID"],
        "status": message.status,
        "direction": "outbound-api",
        "date_created": created,
        "date_updated": created,
        "price": None,
        "price_unit": "USD",
        "uri": uri,
    }


def _message_fields(message: SandboxMessage) -> dict:
    return {
        "body": message.body,
        "num_segments": "1",
        "num_media": "0",
        "messaging_service_sid": None,
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "subresource_uris": {"media": _common_fields(message)["uri"].replace(".json", "/Media.json")},
    }


def _call_fields(message: SandboxMessage) -> dict:
    base = _common_fields(message)["uri"].removesuffix(".json")
    return {
        "parent_call_sid": None,
        "to_formatted": message.to,
        "from_formatted": current_app.config["TWILIO_CALLER_ID"],
        "phone_number_sid": None,
        "start_time": None,
        "end_time": None,
        "duration": None,
        "answered_by": None,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": "0",
        "trunk_sid": None,
        "subresource_uris": {"recordings": f"{base}/Recordings.json", "events": f"{base}/Events.json"},
    }


def _create(kind: str, **fields) -> Response:
    message = SandboxMessage(
        sid=f"{'SM' if kind == SandboxMessage.SMS else 'CA'}{secrets.token_hex(16)}",
        kind=kind,
        to=request.form.get("To", ""),
        status_callback=request.form.get("StatusCallback", ""),
        **fields,
    )
    db.session.add(message)
    db.session.commit()
    return jsonify(_resource(message)), 201


def _list(kind: str, account_sid: str) -> Response:
    """A page of calls or messages, newest first, filtered by To and From, in Twilio's list envelope."""
    page, size = _page_number(), _page_size()
    query = (
        db.select(SandboxMessage)
        .filter_by(kind=kind)
        .order_by(SandboxMessage.created_at.desc(), SandboxMessage.id.desc())
    )
    if request.args.get("To"):
        query = query.filter_by(to=request.args["To"])
    if (
        request.args.get("From", current_app.config["TWILIO_CALLER_ID"])
        != current_app.config["TWILIO_CALLER_ID"]
    ):
        query = query.filter(db.false())  # every sandbox send comes from the configured number
    rows = db.session.scalars(query.offset(page * size).limit(size + 1)).all()
    uri = f"/{API_VERSION}/Accounts/{account_sid}/{PATHS[kind]}.json"

    def page_uri(number: int) -> str:
        filters = {key: request.args[key] for key in ("To", "From") if request.args.get(key)}
        return f"{uri}?{urlencode(filters | {'PageSize': size, 'Page': number})}"

    return jsonify(
        {
            LIST_KEYS[kind]: [_resource(row) for row in rows[:size]],
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if len(rows) > size else None,
            "previous_page_uri": page_uri(page - 1) if page else None,
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(len(rows[:size]) - 1, 0),
        }
    )


def _page_number() -> int:
    value = request.args.get("Page", "0")
    return int(value) if value.isdigit() else 0


def _page_size() -> int:
    value = request.args.get("PageSize", "50")
    return min(int(value), MAX_PAGE_SIZE) if value.isdigit() and int(value) > 0 else 50


def _fetch(kind: str, sid: str) -> Response:
    message = db.session.scalar(db.select(SandboxMessage).filter_by(kind=kind, sid=sid))
    if message is None:
        return jsonify(
            code=20404, message=f"The requested resource {request.path} was not found", status=404
        ), 404
    return jsonify(_resource(message))


@bp.post("/Messages.json")
@csrf.exempt
def create_message(account_sid: str):
    return _create(SandboxMessage.SMS, body=request.form.get("Body", ""))


@bp.get("/Messages.json")
def list_messages(account_sid: str):
    return _list(SandboxMessage.SMS, account_sid)


@bp.get("/Messages/<sid>.json")
def fetch_message(account_sid: str, sid: str):
    return _fetch(SandboxMessage.SMS, sid)


@bp.post("/Calls.json")
@csrf.exempt
def create_call(account_sid: str):
    return _create(SandboxMessage.CALL, url=request.form.get("Url", ""))


@bp.get("/Calls.json")
def list_calls(account_sid: str):
    return _list(SandboxMessage.CALL, account_sid)


@bp.get("/Calls/<sid>.json")
def fetch_call(account_sid: str, sid: str):
    return _fetch(SandboxMessage.CALL, sid)


@bp.get("/Recordings/<recording_sid>.wav")
def recording_audio(account_sid: str, recording_sid: str):
    recording = db.first_or_404(db.select(SandboxRecording).filter_by(sid=recording_sid))
    return Response(recording.data, mimetype=recording.content_type)


@bp.delete("/Recordings/<recording_sid>.json")
@bp.delete("/Recordings/<recording_sid>")
@csrf.exempt
def delete_recording(account_sid: str, recording_sid: str):
    recording = db.first_or_404(db.select(SandboxRecording).filter_by(sid=recording_sid))
    db.session.delete(recording)
    db.session.commit()
    return "", 204


def save_recording(
    data: bytes, call_sid: str, duration_seconds: float, content_type: str = "audio/x-wav"
) -> tuple[str, str]:
    """Keep simulator audio as a sandbox recording; returns its SID and Twilio-style RecordingUrl."""
    recording = SandboxRecording(
        sid=f"RE{secrets.token_hex(16)}",
        call_sid=call_sid,
        data=data,
        duration_seconds=duration_seconds,
        content_type=content_type,
    )
    db.session.add(recording)
    db.session.commit()
    base = current_app.config["TWILIO_API_BASE_URL"].rstrip("/")
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    return recording.sid, f"{base}/2010-04-01/Accounts/{account}/Recordings/{recording.sid}"


def erase_number(phone: str, call_sids: list[str]) -> list[str]:
    """Delete sandbox messages to a number and simulator recordings of its calls (erasure); no commit."""
    messages = rows_changed(db.delete(SandboxMessage).filter_by(to=phone))
    recordings = 0
    if call_sids:
        query = db.delete(SandboxRecording).where(SandboxRecording.call_sid.in_(call_sids))
        recordings = rows_changed(query)
    if not messages and not recordings:
        return []
    return [f"{messages} sandbox message(s) and {recordings} simulator recording(s) deleted"]
