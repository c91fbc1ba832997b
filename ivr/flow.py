"""The call flow's engine: a caller's key or silence -> the next screen -> its TwiML.

Screens (ivr.screen_types says what one is) live in the *_screens modules, and SCREENS below names every
one of them by the name that appears in step URLs; other packages' install() adds their own (ivr.courses,
ivr.peers, ivr.expert_line). Every step's state travels in the action/Redirect URLs (signed by Twilio with
the request) or in the database, so any web worker can answer any step. Keys that work on every menu:
9 opens the stop-calls options, 0 repeats, * goes back. Silence or a wrong key three times ends the call
politely.
"""

import secrets
from urllib.parse import urlencode

from flask import current_app
from twilio.twiml.voice_response import VoiceResponse

from audio import playback, prompt_audio
from core.db import db
from core.twilio import public_url
from ivr import (
    answer_screens,
    call_records,
    list_screens,
    listening_screens,
    main_menu_screens,
    missed_calls,
    more_options_screens,
    name_screens,
    offered_keys,
    prompt_editing,
    recording_screens,
    registration_screens,
    twiml,
)
from ivr.screen_types import Action, End, Go, Line, Menu, RecordStep, Screen, Turn, clean_args, step_url
from transcription import helpdesk

MAX_FAILURES = 3  # wrong keys or silences in a row before a polite goodbye
MAX_HOPS = 8  # screens passed through in one response; guards against a cycle of Go
LAST_SCREENS = ("menu", "language")  # repeated silence or wrong keys here end the call; elsewhere lead here


SCREENS: dict[str, Screen] = {
    **main_menu_screens.SCREENS,
    **list_screens.SCREENS,
    **listening_screens.SCREENS,
    **answer_screens.SCREENS,
    **recording_screens.SCREENS,
    **name_screens.SCREENS,
    **registration_screens.SCREENS,
    **more_options_screens.SCREENS,
}


def incoming(form) -> VoiceResponse:
    """A call arrives (or a call we placed is answered): reject for callback, or start the flow."""
    call = call_records.apply_status(form)
    if missed_calls.wants_callback(call):
        missed_calls.request_callback(call)
        return twiml.reject_busy()
    known = call.language_code or helpdesk.expert_by_phone(call_records.caller_number(form) or "")
    return render(Turn(call, {}, form), Go("home" if known else "language"))


def show_step(name: str, form, args) -> VoiceResponse:
    """Show a screen reached by a Redirect or <Record action>."""
    if name not in SCREENS:
        name = "menu"
    call = call_records.open_call(form)
    return render(Turn(call, {}, form), Go(name, clean_args(args)))


def press_key(name: str, form, args) -> VoiceResponse:
    """Act on the key pressed (or the silence) on a screen's <Gather>."""
    call = call_records.open_call(form)
    turn = Turn(call, clean_args(args), form, answering=True)
    if name not in SCREENS:
        return render(turn, Go("menu"))
    built = offered_keys.offered(args.get(offered_keys.ARG, "")) or SCREENS[name](turn)
    if not isinstance(built, Menu):  # the screen has moved on (e.g. a retried webhook): show it again
        return render(turn, Go(name, turn.args))
    digits = form.get("Digits", "")
    action = _action_for(built, name, turn, digits)
    if action is None:
        failures = int(args["try"]) if args.get("try", "").isdigit() else 0
        return _failure(turn, name, failures + 1, "invalid" if digits else "no_input")
    go = action(turn) if callable(action) else action
    return render(turn, go)  # commits the key's effect with the next screen's, once


def _action_for(menu: Menu, name: str, turn: Turn, digits: str) -> Action | None:
    if not digits:
        return menu.on_silence
    if menu.number is not None and len(digits) > 1:
        return menu.number
    if digits == "9" and "9" not in menu.options:
        return Go("more")
    if digits in menu.options:
        return menu.options[digits]
    if digits == "0":
        return Go(name, turn.args)
    return menu.back if digits == "*" else None


def _failure(turn: Turn, name: str, failures: int, reason: str) -> VoiceResponse:
    if failures >= MAX_FAILURES and name in LAST_SCREENS:
        return twiml.hang_up(_speech(turn, [Line(reason), Line("goodbye_no_input")]))
    if failures >= MAX_FAILURES:  # never a dead end: back to the main menu, which may then say goodbye
        return render(turn, Go("menu", notice=(reason,)))
    return render(turn, Go(name, turn.args, notice=(reason,)), failures)


def render(turn: Turn, go: Go, failures: int = 0) -> VoiceResponse:
    """Follow Go steps to the first screen that speaks, then build its TwiML."""
    notices = list(go.notice)
    for _ in range(MAX_HOPS):
        turn = Turn(turn.call, clean_args(go.args), turn.form)
        result = SCREENS[go.screen](turn)
        if not isinstance(result, Go):
            break
        notices += result.notice
        go = result
    else:
        raise RuntimeError(f"call flow cycles through Go steps at screen {go.screen}")
    lines = [Line(notice) for notice in notices] + result.lines
    if isinstance(result, Menu) and result.on_enter:
        result.on_enter(turn)
    db.session.commit()  # one commit a step: every commit costs a write and expires what was read
    if isinstance(result, End):
        return twiml.hang_up(_speech(turn, lines))
    if isinstance(result, RecordStep) and result.action:
        return twiml.record(
            _speech(turn, lines),
            action=result.action,
            status_callback="",
            max_seconds=int(current_app.config["MAX_RECORDING_SECONDS"]),
            empty=result.empty,
        )
    if isinstance(result, RecordStep):
        return _record(turn, lines, result.consent_id)
    action = key_url(go.screen, turn.args, failures, offered_keys.carried(result))
    speech = _speech(turn, lines)
    return twiml.menu(speech, action, no_input=action, timeout=result.timeout, num_digits=result.digits)


def _record(turn: Turn, lines: list[Line], consent_id: int) -> VoiceResponse:
    return twiml.record(
        _speech(turn, lines),
        action=step_url("recorded", consent=consent_id),
        status_callback=public_url("/ivr/recording-status?" + urlencode({"consent": consent_id})),
        max_seconds=int(current_app.config["MAX_RECORDING_SECONDS"]),
        empty=step_url("record_empty", consent=consent_id),
    )


def _speech(turn: Turn, lines: list[Line]) -> list[twiml.Speech]:
    """Uploaded prompt audio where there is some, else the prompt's words in the language's voice."""
    spoken, uploaded = [], {}  # one query per language, not one per line: every menu speaks several
    for line in lines:
        language = line.language or turn.language
        if language.code not in uploaded:
            uploaded[language.code] = prompt_audio.prompt_audio_keys(language.code)
        key = not line.values and uploaded[language.code].get(line.prompt_id)
        url = line.url or (key and playback.signed_media_url(key))
        if line.text:  # words to say win over a rendering of them (a typed lesson on the real line)
            voice = line.voice or language.say_voice
            spoken.append(twiml.Speech(line.text, say_language=language.say_language, voice=voice))
        elif url:
            spoken.append(twiml.Speech(url=url))
        else:
            words = prompt_editing.prompt_words(line.prompt_id, language.code, **line.values)
            spoken.append(twiml.Speech(words, say_language=language.say_language, voice=language.say_voice))
    return spoken


def key_url(name: str, args: dict, failures: int, keys: str = "") -> str:
    """The public URL a screen's <Gather> posts its key to.

    "once" is new at every rendering, so the key press answering it is one request however often
    Twilio retries it, and pressing the same key again on the same screen is another (see
    call_records.request_key). "keys" carries the options offered, when they can be (ivr.offered_keys).
    """
    query = {**clean_args(args), "try": failures, "once": secrets.token_hex(4)}
    if keys:
        query[offered_keys.ARG] = keys
    return public_url(f"/ivr/key/{name}?" + urlencode(query))
