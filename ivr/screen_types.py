"""The parts of a screen: the Turn it reads; the Menu, Go, RecordStep or End it returns; the URL that shows it.

A screen is a function of the current Turn (call, URL arguments, Twilio's form) that returns
  - Menu: lines to hear and the keys that lead on (rendered as <Gather> + <Redirect> on silence),
  - Go: go straight on to another screen (optionally saying notices first),
  - RecordStep or End.
ivr.flow turns what a screen returns into TwiML; the screens themselves live in the *_screens modules.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from core.twilio import public_url
from ivr import call_records, twiml
from ivr.models import Call


@dataclass
class Turn:
    call: Call
    args: dict[str, str]
    form: dict
    answering: bool = False  # built to answer a key, not to speak: a screen may skip what only its words need

    @property
    def language(self):
        return call_records.call_language(self.call)

    def int_arg(self, name: str) -> int | None:
        value = self.args.get(name, "")
        return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class Line:
    prompt_id: str = ""
    values: dict = field(default_factory=dict)
    url: str = ""
    language: object = None  # a Language to speak this line in, instead of the call's
    text: str = ""  # words to say as they are (a typed lesson), instead of a prompt
    voice: str = ""  # the voice for those words ('' for the language's voice)


@dataclass(frozen=True)
class Go:
    screen: str
    args: dict = field(default_factory=dict)
    notice: tuple[str, ...] = ()


Action = Go | Callable[[Turn], Go]


@dataclass
class Menu:
    lines: list[Line]
    options: dict[str, Action]
    back: Action | None = None
    on_silence: Action | None = None  # None: silence counts as a failure
    on_enter: Callable[[Turn], None] | None = None
    timeout: int = twiml.GATHER_TIMEOUT_SECONDS
    digits: int = 1  # more than one: the caller types a number (ended by #), taken by `number`
    number: Action | None = None


@dataclass
class RecordStep:
    lines: list[Line]
    consent_id: int = 0
    action: str = ""  # a recording that is not a caller's story or question (an expert's answer)
    empty: str = ""


@dataclass
class End:
    lines: list[Line]


Screen = Callable[[Turn], Menu | Go | RecordStep | End]


# Arguments of the URL that are about the request, not the screen: never carried on to the next screen
# ("keys": the options a menu offered, ivr.offered_keys).
REQUEST_ARGS = ("try", "once", "keys")


def clean_args(args) -> dict[str, str]:
    """The URL arguments that belong to the screen (empty ones and the request's own left out)."""
    return {k: str(v) for k, v in dict(args).items() if k not in REQUEST_ARGS and v is not None and v != ""}


def step_url(name: str, **args) -> str:
    """The public URL that shows a screen."""
    query = urlencode(clean_args(args))
    return public_url(f"/ivr/step/{name}") + (f"?{query}" if query else "")
