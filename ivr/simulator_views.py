"""The browser softphone: staff call the line (or answer its calls) without a phone or Twilio account."""

import io
import json
import logging
import secrets
from dataclasses import asdict

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from audio import prompt_audio, store
from core import sandbox
from core.auth import role_required
from core.db import db
from core.models import SandboxMessage, StaffUser
from core.queue import redis_connection
from ivr import screen_types, simulated_numbers
from ivr.simulator import CallError, FlaskTransport, SimulatedCall, Turn, audio_seconds

log = logging.getLogger(__name__)
bp = Blueprint(
    "simulator", __name__, url_prefix="/simulator", template_folder="templates", static_folder="static"
)
CALL_STATE_SECONDS = 3600
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SPOKEN_CHARACTERS = 2000  # a <Say> of the line is a few sentences
STAFF = (StaffUser.CURATOR, StaffUser.OFFICER)
NOT_YOURS = lazy_gettext(
    "The simulator calls only from your own test numbers (+999…), never a real person's number."
)


@bp.get("/")
@role_required(*STAFF)
def index():
    numbers = simulated_numbers.numbers_of(current_user.id)
    return render_template(
        "ivr/simulator.html", sandboxed=current_app.config.get("TWILIO_SANDBOX"), numbers=numbers
    )


def _state_key(call_id: str) -> str:
    # Keyed by who started it: another staff member's call id finds nothing.
    return f"chaupal:simulator:{current_user.id}:{call_id}"


def _may_use(number: str) -> bool:
    """Only the staff member's own test phones: never a real contact, whatever the role or district."""
    return simulated_numbers.owner_of(number) == current_user.id


def _load(call_id: str) -> SimulatedCall:
    raw = redis_connection().get(_state_key(call_id))
    if raw is None:
        abort(404, gettext("This simulated call has ended or expired. Start a new call."))
    transport = FlaskTransport(current_app._get_current_object())
    return SimulatedCall.resume(transport, current_app.config["TWILIO_AUTH_TOKEN"], json.loads(raw))


def _reply(call_id: str, call: SimulatedCall, turn: Turn):
    redis_connection().set(_state_key(call_id), json.dumps(call.state()), ex=CALL_STATE_SECONDS)
    return jsonify(call_id=call_id, call_sid=call.call_sid, **asdict(turn))


def _act(action):
    try:
        return action()
    except CallError as error:
        log.warning("simulated call stopped: %s", error)
        return jsonify(error=_in_staff_words(error), detail=str(error)), 422


def _in_staff_words(error: CallError) -> str:
    """What stopped the call, in the page's language (the developer's wording stays in `detail` and the log)."""
    if error.kind == CallError.ENDED:
        return gettext("This call has ended. Start a new call.")
    if error.kind == CallError.NOT_WAITING:
        return gettext("The line is not waiting for that now: listen to what it asks, then answer.")
    if error.status is not None:
        return gettext(
            "The line answered with an error (HTTP %(status)s): a real caller would hear the apology. "
            "The details are in the server's log.",
            status=error.status,
        )
    return gettext(
        "The line answered with something a phone could not follow. The details are in the server's log."
    )


def _new_call(caller: str, direction: str = "inbound") -> SimulatedCall:
    config = current_app.config
    transport = FlaskTransport(current_app._get_current_object())
    line = config["TWILIO_CALLER_ID"] or "+18005550100"
    return SimulatedCall(
        transport,
        config["TWILIO_AUTH_TOKEN"],
        config["PUBLIC_BASE_URL"],
        caller,
        line=line,
        account_sid=config["TWILIO_ACCOUNT_SID"],
        direction=direction,
    )


@bp.post("/api/call")
@role_required(*STAFF)
def start_call():
    caller = (request.json or {}).get("caller", "").strip()
    if not caller.startswith("+") or not caller[1:].isdigit():
        return jsonify(
            error=gettext("Enter the caller's number in international form, e.g. +919800000001")
        ), 400
    if not _may_use(caller):
        return jsonify(error=str(NOT_YOURS)), 403
    call = _new_call(caller)
    preview = str((request.json or {}).get("preview_item") or "")
    url = (
        screen_types.step_url("quiz_preview", item=preview) if preview.isdigit() else None
    )  # a quiz item alone
    return _act(lambda: _reply(secrets.token_hex(8), call, call.start(url=url)))


@bp.post("/api/answer/<int:message_id>")
@role_required(*STAFF)
def answer(message_id: int):
    message = db.get_or_404(SandboxMessage, message_id)
    if message.kind != SandboxMessage.CALL or not _may_use(message.to):
        abort(404)
    message.status = "answered"
    db.session.commit()
    call = _new_call(message.to, direction="outbound-api")
    call.common.update({"From": call.common["To"], "To": message.to, "CallSid": message.sid})
    call.call_sid = message.sid
    call.status_callback = message.status_callback
    return _act(lambda: _reply(secrets.token_hex(8), call, call.start(url=message.url)))


@bp.post("/api/<call_id>/press")
@role_required(*STAFF)
def press(call_id: str):
    call = _load(call_id)
    return _act(lambda: _reply(call_id, call, call.press(str((request.json or {}).get("digits", "")))))


@bp.post("/api/<call_id>/silence")
@role_required(*STAFF)
def silence(call_id: str):
    call = _load(call_id)
    return _act(lambda: _reply(call_id, call, call.silence()))


@bp.post("/api/<call_id>/hangup")
@role_required(*STAFF)
def hang_up(call_id: str):
    call = _load(call_id)
    return _act(lambda: _reply(call_id, call, call.hang_up()))


@bp.post("/api/<call_id>/record")
@role_required(*STAFF)
def record(call_id: str):
    call = _load(call_id)
    if not current_app.config.get("TWILIO_SANDBOX"):
        return jsonify(
            error=gettext(
                "Recording in the simulator needs the Twilio sandbox (development without "
                "Twilio credentials): real Twilio keeps its own recordings."
            )
        ), 409
    upload = request.files.get("audio")
    data = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
    if not data or len(data) > MAX_UPLOAD_BYTES:
        return jsonify(error=gettext("The recording is empty or larger than 8 MB.")), 400
    seconds = audio_seconds(data) or float(request.form.get("seconds", 0) or 0)
    sid, url = sandbox.save_recording(data, call.call_sid, seconds, upload.mimetype or "audio/x-wav")
    hang_up_after = request.form.get("hangup") == "1"
    return _act(lambda: _reply(call_id, call, call.record(sid, url, seconds, hang_up=hang_up_after)))


@bp.get("/api/speech/<language>")
@role_required(*STAFF)
def speech(language: str):
    """A <Say>'s words as audio the app renders itself, for a browser that has no voice for them."""
    text = request.args.get("text", "").strip()
    if not text or len(text) > MAX_SPOKEN_CHARACTERS:
        abort(400)
    key = prompt_audio.spoken_words(text, language)
    if key is None:
        abort(404)  # nothing can speak it here: the page shows the words instead
    response = send_file(io.BytesIO(store.read_bytes(key)), mimetype="audio/wav", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/api/inbox")
@role_required(*STAFF)
def inbox():
    number = request.args.get("number", "").strip()
    since = request.args.get("since", 0, type=int)
    if not _may_use(number):
        abort(404)
    query = db.select(SandboxMessage).where(SandboxMessage.to == number, SandboxMessage.id > since)
    messages = db.session.scalars(query.order_by(SandboxMessage.id)).all()
    return jsonify(messages=[_message(m) for m in messages])


def _message(message: SandboxMessage) -> dict:
    return {
        "id": message.id,
        "kind": message.kind,
        "body": message.body,
        "status": message.status,
        "at": message.created_at.isoformat(),
    }
