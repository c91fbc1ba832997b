"""Pure TwiML builders: data in, a <Response> out. No database, no request, no app."""

from collections.abc import Iterable
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr import prompts

GATHER_TIMEOUT_SECONDS = 6  # silence after the prompts before we count "no input"


@dataclass(frozen=True)
class Speech:
    """One thing the caller hears: an audio URL to play, or words to say in a voice."""

    text: str = ""
    url: str = ""
    say_language: str = "en-IN"
    voice: str = ""


def _speak(verb, items: Iterable[Speech]) -> None:
    for item in items:
        if item.url:
            verb.play(item.url)
        else:
            verb.say(item.text, language=item.say_language, voice=item.voice or None)


def menu(
    items: list[Speech],
    action: str,
    no_input: str,
    timeout: int = GATHER_TIMEOUT_SECONDS,
    num_digits: int = 1,
) -> VoiceResponse:
    """Speak the items while listening for one key (# and * count as keys); silence goes to no_input.

    With num_digits above 1 the caller types a number, ended by # (or by the last digit).
    """
    response = VoiceResponse()
    finish = "#" if num_digits > 1 else ""
    gather = Gather(
        action=action, method="POST", num_digits=num_digits, finish_on_key=finish, timeout=timeout
    )
    _speak(gather, items)
    response.append(gather)
    response.redirect(no_input, method="POST")
    return response


def record(
    items: list[Speech], action: str, status_callback: str, max_seconds: int, empty: str
) -> VoiceResponse:
    """Speak the items, then record until # or max_seconds; an empty recording goes on to `empty`."""
    response = VoiceResponse()
    _speak(response, items)
    response.record(
        action=action,
        method="POST",
        max_length=max_seconds,
        finish_on_key="#",
        trim="trim-silence",
        play_beep=True,
        recording_status_callback=status_callback or None,  # none: the action's caller fetches it
        recording_status_callback_method="POST" if status_callback else None,
        recording_status_callback_event="completed absent" if status_callback else None,
    )
    response.redirect(empty, method="POST")
    return response


def hang_up(items: list[Speech]) -> VoiceResponse:
    """Speak the items, then end the call."""
    response = VoiceResponse()
    _speak(response, items)
    response.hangup()
    return response


def reject_busy() -> VoiceResponse:
    """Refuse the call with a busy tone: the caller is not charged and we call back."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return response


def empty() -> VoiceResponse:
    """An empty <Response/>, the answer to status callbacks."""
    return VoiceResponse()


def _fallback() -> str:
    # Built once at import from the prompt texts alone, so it needs no database or request.
    items = [
        Speech(prompts.text("technical_problem", "hi"), say_language="hi-IN", voice="Polly.Aditi"),
        Speech(prompts.text("technical_problem", "en"), say_language="en-IN", voice="Polly.Raveena"),
    ]
    return str(hang_up(items))


FALLBACK_XML = _fallback()
