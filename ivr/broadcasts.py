"""Webhooks for campaign broadcasts: the call's TwiML, call and SMS status callbacks."""

from flask import Blueprint, Response, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from campaigns import (
    broadcast_content,
    polls,
    status_callbacks,
)
from core.twilio import public_url, row_id, webhook
from ivr.prompt_editing import prompt_words
from learning import outreach

bp = Blueprint("broadcasts", __name__)
GATHER_SECONDS = 6
WORDS = ("intro", "feedback", "thanks", "more", "bye", "missing")  # prompts broadcast_<name> (ivr/prompts.py)


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def say(response, text: str, script: broadcast_content.BroadcastScript) -> None:
    """Speak text in the contact's language with its configured voice."""
    options = {"language": script.say_language}
    if script.say_voice:
        options["voice"] = script.say_voice
    response.say(text, **options)


def broadcast_twiml(delivery_id: int, script: broadcast_content.BroadcastScript) -> VoiceResponse:
    """Intro, the lesson or stories, then on to the feedback question (reached only if all played)."""
    response = VoiceResponse()
    if script.hang_up:
        response.hangup()
        return response
    say(response, script.texts["intro"], script)
    for url in script.urls:
        response.play(url)
    if not script.urls:
        say(response, script.texts["missing"], script)
    response.redirect(public_url(url_for("broadcasts.played", delivery_id=delivery_id)))
    return response


def feedback_twiml(delivery_id: int, script: broadcast_content.BroadcastScript) -> VoiceResponse:
    """One key: 1 useful, 2 not useful."""
    response = VoiceResponse()
    action = public_url(url_for("broadcasts.feedback", delivery_id=delivery_id))
    gather = response.gather(num_digits=1, action=action, timeout=GATHER_SECONDS)
    say(gather, script.texts["feedback"], script)
    response.redirect(action)
    return response


def more_twiml(delivery_id: int, script: broadcast_content.BroadcastScript, thanked: bool) -> VoiceResponse:
    """'Press 1 to hear more' leads into the line's normal menu; otherwise goodbye."""
    response = VoiceResponse()
    if thanked:
        say(response, script.texts["thanks"], script)
    action = public_url(url_for("broadcasts.more", delivery_id=delivery_id))
    gather = response.gather(num_digits=1, action=action, timeout=GATHER_SECONDS)
    say(gather, script.texts["more"], script)
    say(response, script.texts["bye"], script)
    return response


def menu_or_goodbye(script: broadcast_content.BroadcastScript, digit: str) -> VoiceResponse:
    response = VoiceResponse()
    if digit == "1":
        response.redirect(public_url("/ivr/voice"))
    else:
        say(response, script.texts["bye"], script)
        response.hangup()
    return response


@bp.url_value_preprocessor
def _bounded_delivery_id(_endpoint, values) -> None:
    # An id larger than the database's integer names no delivery (PostgreSQL would refuse the query).
    if values and "delivery_id" in values:
        values["delivery_id"] = row_id(values["delivery_id"]) or 0


def _script(delivery_id: int) -> broadcast_content.BroadcastScript:
    script = broadcast_content.broadcast_script(delivery_id, request.form.get("AnsweredBy", ""))
    script = script or broadcast_content.BroadcastScript("en-IN", "", {})
    script.texts = {name: prompt_words(f"broadcast_{name}", script.language_code) for name in WORDS}
    return script


@bp.post("/ivr/broadcast/<int:delivery_id>")
@webhook
def call(delivery_id: int):
    script = _script(delivery_id)
    if not script.hang_up and outreach.leads_into_line(delivery_id):
        return twiml(into_line())
    poll = None if script.hang_up else polls.for_delivery(delivery_id)
    if poll is not None:  # a poll campaign: the line's own screens ask the questions
        return twiml(into_poll(poll.id))
    return twiml(broadcast_twiml(delivery_id, script))


def into_line() -> VoiceResponse:
    """A learning call (lesson, refresher, changed advice) continues in the line's own flow."""
    response = VoiceResponse()
    response.redirect(public_url("/ivr/voice"))
    return response


def into_poll(poll_id: int) -> VoiceResponse:
    response = VoiceResponse()
    response.redirect(public_url(f"/ivr/step/poll?poll={poll_id}"))
    return response


@bp.post("/ivr/broadcast/<int:delivery_id>/played")
@webhook
def played(delivery_id: int):
    broadcast_content.mark_listened(delivery_id)
    return twiml(feedback_twiml(delivery_id, _script(delivery_id)))


@bp.post("/ivr/broadcast/<int:delivery_id>/feedback")
@webhook
def feedback(delivery_id: int):
    thanked = broadcast_content.record_feedback(delivery_id, request.form.get("Digits", ""))
    return twiml(more_twiml(delivery_id, _script(delivery_id), thanked))


@bp.post("/ivr/broadcast/<int:delivery_id>/more")
@webhook
def more(delivery_id: int):
    return twiml(menu_or_goodbye(_script(delivery_id), request.form.get("Digits", "")))


@bp.post("/ivr/broadcast/<int:delivery_id>/status")
@webhook
def call_status(delivery_id: int):
    status_callbacks.record_call_status(delivery_id, request.form.to_dict())
    return "", 204


@bp.post("/sms/status")
@webhook
def sms_status():
    status_callbacks.record_sms_status(row_id(request.args.get("delivery")), request.form.to_dict())
    return "", 204
