"""Every request the telephone network makes to us, and the admins' prompt list."""

import functools
import logging

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from core.auth import role_required
from core.twilio import webhook
from ivr import flow, services, twiml

log = logging.getLogger(__name__)
bp = Blueprint("ivr", __name__, url_prefix="/ivr", template_folder="templates")


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")


def call_webhook(view):
    """A signed Twilio webhook about a call: 403 unless signed, then 400 (not 500) without a CallSid."""

    @functools.wraps(view)
    def with_call(*args, **kwargs):
        if not request.form.get("CallSid"):
            abort(400)
        return view(*args, **kwargs)

    return webhook(with_call)


@bp.post("/voice")
@call_webhook
def voice():
    return _twiml(flow.incoming(request.form))


@bp.post("/step/<name>")
@call_webhook
def step(name: str):
    return _twiml(flow.show_step(name, request.form, request.args))


@bp.post("/key/<name>")
@call_webhook
def key(name: str):
    return _twiml(flow.press_key(name, request.form, request.args))


@bp.post("/status")
@call_webhook
def status():
    services.apply_status(request.form)
    return _twiml(twiml.empty())


@bp.post("/recording-status")
@call_webhook
def recording_status():
    consent_id = request.args.get("consent", "")
    if consent_id.isdigit() and request.form.get("RecordingSid"):
        services.recording_status(int(consent_id), request.form)
    return _twiml(twiml.empty())


@bp.post("/fallback")
@webhook
def fallback():
    # Static: Twilio calls this when our other answers fail, perhaps because the database is down.
    return Response(twiml.FALLBACK_XML, mimetype="text/xml")


@bp.errorhandler(SQLAlchemyError)
@bp.errorhandler(500)
def degrade_politely(error):
    # The caller hears an apology, never Twilio's "application error"; the cause goes to the log.
    log.error("call step failed, caller heard the fallback: %s", error)
    return Response(twiml.FALLBACK_XML, mimetype="text/xml")


@bp.get("/prompts")
@role_required("admin")
def prompts():
    upload = url_for("audio.prompts") if "audio.prompts" in current_app.view_functions else None
    return render_template(
        "ivr/prompts.html", rows=services.prompt_table(), languages=services.active_languages(), upload=upload
    )
