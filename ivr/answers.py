"""The help-desk callback: Twilio fetches this TwiML when the asker picks up, and it plays the expert's answer."""

from flask import Blueprint, Response, abort, request

from core.twilio import public_url, webhook
from ivr import twiml
from transcription import helpdesk

bp = Blueprint("answers", __name__, url_prefix="/ivr/answer")
REPLAY_KEY = "1"
WORDS = {
    "intro": {
        "hi": "नमस्ते, यह चौपाल है। आपने जो सवाल पूछा था, उसका जवाब सुनिए।",
        "en": "Hello, this is Chaupal. Here is the answer to the question you asked.",
    },
    "replay": {"hi": "जवाब दोबारा सुनने के लिए 1 दबाएँ।", "en": "To hear the answer again, press 1."},
    "goodbye": {"hi": "चौपाल पर सवाल पूछने के लिए धन्यवाद।", "en": "Thank you for asking Chaupal."},
}


def _words(name: str, language) -> twiml.Speech:
    text = WORDS[name].get(language.code, WORDS[name]["en"])
    return twiml.Speech(text, say_language=language.say_language, voice=language.say_voice)


@bp.post("/<int:question_id>")
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


@bp.post("/<int:question_id>/goodbye")
@webhook
def goodbye(question_id: int):
    found = helpdesk.answer_for_call(question_id)
    if found is None:
        abort(404)
    return _twiml(twiml.hang_up([_words("goodbye", found[1])]))


@bp.post("/<int:question_id>/status")
@webhook
def status(question_id: int):
    """Twilio's call status: an unanswered callback leaves the question ready to be called again."""
    helpdesk.call_ended(question_id, request.form.get("CallStatus", ""))
    return _twiml(twiml.empty())


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")
