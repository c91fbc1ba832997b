"""Outbound calls made for curators: the help-desk answer played to the asker, and a contributor's thank-you."""

from flask import Blueprint, Response, abort, request

from core.twilio import public_url, webhook
from ivr import twiml
from transcription import helpdesk, recognition

bp = Blueprint("answers", __name__, url_prefix="/ivr")
REPLAY_KEY = "1"
WORDS = {
    "intro": {
        "hi": "नमस्ते, यह चौपाल है। आपने जो सवाल पूछा था, उसका जवाब सुनिए।",
        "en": "Hello, this is Chaupal. Here is the answer to the question you asked.",
    },
    "replay": {"hi": "जवाब दोबारा सुनने के लिए 1 दबाएँ।", "en": "To hear the answer again, press 1."},
    "intro_thanks": {"hi": "नमस्ते, यह चौपाल है।", "en": "Hello, this is Chaupal."},
    "goodbye": {"hi": "चौपाल पर सवाल पूछने के लिए धन्यवाद।", "en": "Thank you for asking Chaupal."},
}


def _words(name: str, language) -> twiml.Speech:
    text = WORDS[name].get(language.code, WORDS[name]["en"])
    return twiml.Speech(text, say_language=language.say_language, voice=language.say_voice)


@bp.post("/answer/<int:question_id>")
@webhook
def play(question_id: int):
    """The answer (after a greeting on first play), then an offer to replay it."""
    found = helpdesk.answer_for_call(question_id)
    if found is None:
        abort(404)
    url, language = found
    digits = request.form.get("Digits")
    if digits not in (None, REPLAY_KEY):
        return _twiml(twiml.hang_up([_words("goodbye", language)]))
    helpdesk.answer_heard(question_id)
    replaying = digits == REPLAY_KEY
    items = ([] if replaying else [_words("intro", language)]) + [
        twiml.Speech(url=url),
        _words("replay", language),
    ]
    here = public_url(f"/ivr/answer/{question_id}")
    return _twiml(twiml.menu(items, action=here, no_input=public_url(f"/ivr/answer/{question_id}/goodbye")))


@bp.post("/answer/<int:question_id>/goodbye")
@webhook
def goodbye(question_id: int):
    found = helpdesk.answer_for_call(question_id)
    if found is None:
        abort(404)
    return _twiml(twiml.hang_up([_words("goodbye", found[1])]))


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
    greeting = _words("intro_thanks", language)
    spoken = twiml.Speech(text, say_language=language.say_language, voice=language.say_voice)
    return _twiml(twiml.hang_up([greeting, spoken, spoken]))


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")
