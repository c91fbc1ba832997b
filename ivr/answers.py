"""Outbound calls made for curators: the help-desk answer played to the asker, and a contributor's thank-you."""

from flask import Blueprint, Response, abort, request

from core.twilio import public_url, webhook
from ivr import (
    prompt_editing,
    twiml,
)
from transcription import helpdesk, recognition

bp = Blueprint("answers", __name__, url_prefix="/ivr")
REPLAY_KEY = "1"


def _words(name: str, language) -> twiml.Speech:
    """One of the outbound calls' prompts (ivr/prompts.py: editable by admins like every other)."""
    text = prompt_editing.prompt_words(name, language.code)
    return twiml.Speech(text, say_language=language.say_language, voice=language.say_voice)


@bp.post("/answer/<int:question_id>")
@webhook
def play(question_id: int):
    """On first play the greeting, the caller's own question and the answer; then an offer to replay it."""
    found = helpdesk.answer_for_call(question_id)
    if found is None:
        abort(404)
    url, language = found
    digits = request.form.get("Digits")
    if digits not in (None, REPLAY_KEY):
        return _twiml(twiml.hang_up([_words("answer_goodbye", language)]))
    helpdesk.answer_heard(question_id)
    replaying = digits == REPLAY_KEY
    items = [] if replaying else _question_first(question_id, language)
    items += [twiml.Speech(url=url), _words("answer_replay", language)]
    here = public_url(f"/ivr/answer/{question_id}")
    return _twiml(twiml.menu(items, action=here, no_input=public_url(f"/ivr/answer/{question_id}/goodbye")))


@bp.post("/answer/<int:question_id>/goodbye")
@webhook
def goodbye(question_id: int):
    found = helpdesk.answer_for_call(question_id)
    if found is None:
        abort(404)
    return _twiml(twiml.hang_up([_words("answer_goodbye", found[1])]))


@bp.post("/answer/<int:question_id>/status")
@webhook
def status(question_id: int):
    """Twilio's call status: an unanswered callback leaves the question ready to be called again."""
    helpdesk.call_ended(question_id, request.form.get("CallStatus", ""))
    return _twiml(twiml.empty())


@bp.post("/thanks/<int:recognition_id>")
@webhook
def thanks(recognition_id: int):
    """A short call that speaks the thank-you (story published, or heard by many workers)."""
    found = recognition.words_for_call(recognition_id)
    if found is None:
        abort(404)
    text, language = found
    greeting = _words("thanks_intro", language)
    spoken = twiml.Speech(text, say_language=language.say_language, voice=language.say_voice)
    return _twiml(twiml.hang_up([greeting, spoken, spoken]))


def _question_first(question_id: int, language) -> list[twiml.Speech]:
    """The greeting, the caller's own question (so they know what is answered), then the answer's cue."""
    asked = helpdesk.question_audio_url(question_id)
    question = [twiml.Speech(url=asked), _words("answer_follows", language)] if asked else []
    return [_words("answer_intro", language), *question]


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")
