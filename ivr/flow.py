"""The call flow: the screens a caller moves between by keypad, and how each becomes TwiML.

A screen is a function of the current Turn (call, URL arguments, Twilio's form) that returns
  - Menu: lines to hear and the keys that lead on (rendered as <Gather> + <Redirect> on silence),
  - Go: go straight on to another screen (optionally saying notices first),
  - RecordStep or End.
Every step's state travels in the action/Redirect URLs (signed by Twilio with the request) or in
the database, so any web worker can answer any step. Keys that work on every menu: 9 opens the
stop-calls options, 0 repeats, * goes back. Silence or a wrong key three times ends the call politely.
Packages adding screens (self-registration, erasure) register them with @screen.
"""

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from flask import current_app
from twilio.twiml.voice_response import VoiceResponse

from audio import playback, prompt_audio
from audio.models import Lesson, Recording
from core.db import db
from core.twilio import public_url
from ivr import (
    answer_screens,
    call_records,
    list_screens,
    listening,
    listening_screens,
    missed_calls,
    more_options_screens,
    name_screens,
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
    **listening_screens.SCREENS,
    **recording_screens.SCREENS,
    **name_screens.SCREENS,
    **registration_screens.SCREENS,
    **answer_screens.SCREENS,
    **list_screens.SCREENS,
    **more_options_screens.SCREENS,
}


def screen(name: str):
    """Register a screen function under a name (the name appears in step URLs)."""

    def register(function):
        SCREENS[name] = function
        return function

    return register


# --- the engine ---


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
    turn = Turn(call, clean_args(args), form)
    if name not in SCREENS:
        return render(turn, Go("menu"))
    built = SCREENS[name](turn)
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
    action = key_url(go.screen, turn.args, failures)
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


def key_url(name: str, args: dict, failures: int) -> str:
    """The public URL a screen's <Gather> posts its key to.

    "once" is new at every rendering, so the key press answering it is one request however often
    Twilio retries it, and pressing the same key again on the same screen is another (see
    call_records.request_key).
    """
    query = {**clean_args(args), "try": failures, "once": secrets.token_hex(4)}
    return public_url(f"/ivr/key/{name}?" + urlencode(query))


# --- language, greeting and the main menu ---

# (key, prompt id, screen, arguments): the main menu's options, at most four.
MAIN_MENU = [
    ("1", "menu_lessons", "topics", {}),
    ("2", "menu_stories", "stories", {}),
    ("3", "menu_record_story", "consent", {"kind": Recording.STORY}),
    ("4", "menu_ask_question", "consent", {"kind": Recording.QUESTION}),
]


@screen("language")
def language_menu(turn: Turn) -> Menu:
    languages = call_records.active_languages()
    lines = [Line("language_option", {"digit": lang.menu_digit}, language=lang) for lang in languages]
    options = {str(lang.menu_digit): _choose_language(lang.code) for lang in languages}
    return Menu(lines, options, back=Go("menu") if turn.call.language_code else None)


def _choose_language(code: str) -> Callable[[Turn], Go]:
    def choose(turn: Turn) -> Go:
        call_records.set_language(turn.call, code)
        return Go("menu", notice=("welcome",))

    return choose


@screen("home")
def home(turn: Turn) -> Menu | Go:
    """A returning caller: the first call-start offer that applies, else the main menu."""
    for offer in START_OFFERS:
        offered = offer(turn)
        if offered is not None:
            return offered
    return Go("menu", notice=("welcome_back",))


# Screens a returning caller may meet before the main menu, in order; each returns a screen, or None when
# it does not apply. This is the call start's one hook: a new offer (a course's re-ask...) is a function here.
# Keep them rare and short: every word here comes before the caller's content (see ivr/budget.py).
def _answer_waiting(turn: Turn) -> Menu | None:
    """An expert's answer the caller has not heard yet (the callback was missed, or has not rung)."""
    waiting = helpdesk.waiting_answer(turn.call.contact_id) if turn.call.contact_id else None
    if waiting is None:
        return None
    options = {"1": Go("answer", {"question": waiting.id}), "2": Go("menu")}
    return Menu([Line("welcome_back"), Line("answer_waiting")], options, back=Go("menu"))


def _new_answer_offer(turn: Turn) -> Menu | None:
    """A question and its expert answer published since the last call, in a topic the caller follows."""
    since, topics = call_records.previous_call_at(turn.call), listening.followed_topics(turn.call)
    if since is None or not topics:
        return None
    code = turn.language.code
    titles = {lesson.id: track.title for lesson, track in playback.published_lessons(code, kind=Lesson.STORY)}
    found = [i for i in helpdesk.published_answers(topics, since, turn.call.contact_id) if i in titles]
    if not found:
        return None
    play = Go("play", {"lesson": found[0], "kind": Lesson.STORY, "intro": 1})
    lines = [Line("welcome_back"), Line("new_answer_offer", {"title": titles[found[0]]})]
    return Menu(lines, {"1": play, "2": Go("menu")}, back=Go("menu"))


START_OFFERS: tuple[Callable[[Turn], Menu | Go | None], ...] = (_answer_waiting, _new_answer_offer)


@screen("menu")
def main_menu(turn: Turn) -> Menu | Go:
    """Key 1 is the caller's own lesson (continue it, or the next one) when there is one; 5 the full list."""
    if registration_screens.registration_due(turn.call):
        return Go("register")
    first = _own_lesson(turn)
    lines = [Line(prompt_id) for _, prompt_id, _, _ in MAIN_MENU] + [Line("menu_more")]
    options = {key: Go(name, args) for key, _, name, args in MAIN_MENU}
    if first is not None:
        line, options["1"] = first
        lines = [line, *lines[1:-1], Line("menu_all_lessons"), lines[-1]]
        options["5"] = Go("topics")
    if turn.call.contact_id and helpdesk.answered_questions(turn.call.contact_id):
        lines.insert(-1, Line("menu_answers"))
        options["6"] = Go("answers")
    for extra in MENU_EXTRAS:
        for line, key, go in extra(turn):
            lines.insert(-1, line)
            options[key] = go
    return Menu(lines, options, back=Go("language"))


# Options other packages add to the main menu for this caller only (ivr.peers: replies to their stories):
# each a function of the Turn returning (line, key, where it leads) for each option that applies.
MENU_EXTRAS: tuple[Callable[[Turn], list[tuple[Line, str, Go]]], ...] = ()


def _own_lesson(turn: Turn) -> tuple[Line, Go] | None:
    """The lesson left unfinished (to continue where it stopped), else the next one not yet heard."""
    unfinished = listening.unfinished_lesson(turn.call)
    if unfinished is not None:
        progress, lesson, title = unfinished
        here = {"lesson": lesson.id, "topic": progress.topic_id, "kind": lesson.kind}
        return Line("resume_offer", {"title": title}), Go(
            "play", {**here, "pos": progress.position, "intro": 1}
        )
    found = listening.next_lesson(turn.call)
    if found is None:
        return None
    lesson, title = found
    here = {"lesson": lesson.id, "topic": lesson.topic_id, "kind": Lesson.LESSON, "intro": 1}
    return Line("next_offer", {"title": title}), Go("play", here)
