"""A Twilio-compatible REST sandbox inside the app, used in development without Twilio credentials.

Outbound calls and SMS land in the simulator's inbox (SandboxMessage); recordings made in the
simulator are served like Twilio's, so the normal download job fetches them over HTTP.
"""

import secrets
import time
from email.utils import formatdate

from flask import Blueprint, Response, abort, current_app, jsonify, request

from core.auth import csrf
from core.db import db
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


def _resource(message: SandboxMessage) -> dict:
    return {
        "sid": message.sid, "to": message.to, "from": current_app.config["TWILIO_CALLER_ID"],
        "status": message.status, "body": message.body or None, "direction": "outbound-api",
        "date_created": formatdate(time.time(), usegmt=True), "num_segments": "1",
        "error_code": None, "error_message": None,
    }  # fmt: skip


def _create(kind: str, **fields) -> Response:
    prefix = "SM" if kind == SandboxMessage.SMS else "CA"
    message = SandboxMessage(sid=f"{prefix}{secrets.token_hex(16)}", kind=kind, to=request.form.get("To", ""),
                             status_callback=request.form.get("StatusCallback", ""), **fields)  # fmt: skip
    db.session.add(message)
    db.session.commit()
    return jsonify(_resource(message)), 201


@bp.post("/Messages.json")
@csrf.exempt
def create_message(account_sid: str):
    return _create(SandboxMessage.SMS, body=request.form.get("Body", ""))


@bp.post("/Calls.json")
@csrf.exempt
def create_call(account_sid: str):
    return _create(SandboxMessage.CALL, url=request.form.get("Url", ""))


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
    recording = SandboxRecording(sid=f"RE{secrets.token_hex(16)}", call_sid=call_sid, data=data,
                                 duration_seconds=duration_seconds, content_type=content_type)  # fmt: skip
    db.session.add(recording)
    db.session.commit()
    base = current_app.config["TWILIO_API_BASE_URL"].rstrip("/")
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    return recording.sid, f"{base}/2010-04-01/Accounts/{account}/Recordings/{recording.sid}"


def erase_number(phone: str, call_sids: list[str]) -> list[str]:
    """Delete sandbox messages to a number and simulator recordings of its calls (erasure); no commit."""
    messages = db.session.execute(db.delete(SandboxMessage).filter_by(to=phone)).rowcount
    recordings = 0
    if call_sids:
        query = db.delete(SandboxRecording).where(SandboxRecording.call_sid.in_(call_sids))
        recordings = db.session.execute(query).rowcount
    if not messages and not recordings:
        return []
    return [f"{messages} sandbox message(s) and {recordings} simulator recording(s) deleted"]
