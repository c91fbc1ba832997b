"""The prompt budget: how long a caller listens to the line before the first second of content.

Content is a lesson or story playing, a question's answer playing, or the beep of a recording the
caller chose to make. Spoken prompts last their words over the voice's speaking rate; uploaded prompt
audio lasts its own duration. The caller is assumed to press a key as soon as they have heard the
sentence that names it (Twilio stops speaking at the first key), and to take a moment to press it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.simulator import Heard, Turn

# Polly's Hindi and Indian-English voices at their default rate, counted on our own prompts: slower
# than conversation, so the estimate errs towards a longer wait.
WORDS_PER_SECOND = {"hi-IN": 2.2, "en-IN": 2.5}
DEFAULT_WORDS_PER_SECOND = 2.2
KEY_SECONDS = 2.0  # finding the key and pressing it
RETURNING_SECONDS = 20  # the budgets: a returning caller, and a first-time caller
FIRST_TIME_SECONDS = 60
KEY_WORDS = {"*": ("स्टार", "star"), "#": ("हैश", "hash")}
SENTENCE_END = re.compile(r"(?<=[।.?!])\s+")


@dataclass
class Wait:
    """Seconds spent before the content, and what filled them (for a failing test's message)."""

    seconds: float = 0.0
    reached: bool = False
    heard: list[str] = field(default_factory=list)

    def add(self, seconds: float, what: str) -> None:
        self.seconds += seconds
        self.heard.append(f"{seconds:5.1f} s  {what}")


def speaking_seconds(heard: Heard, audio_seconds: Callable[[str], float]) -> float:
    """How long one spoken line or prompt recording lasts."""
    if heard.kind == "play":
        return audio_seconds(heard.url)
    if heard.kind == "pause":
        return float(heard.text or 1)
    words = len(heard.text.split())
    return words / WORDS_PER_SECOND.get(heard.language, DEFAULT_WORDS_PER_SECOND)


def names_key(text: str, key: str) -> bool:
    """True if a sentence tells the caller about this key."""
    if key in KEY_WORDS:
        return any(word in text.lower() for word in KEY_WORDS[key])
    return re.search(rf"(?<!\d){re.escape(key)}(?!\d)", text) is not None


def measure(
    steps: list[tuple[Turn, str | None]],
    is_content: Callable[[Heard], bool],
    audio_seconds: Callable[[str], float],
    silence_seconds: float = 6.0,
) -> Wait:
    """Seconds before the first content over a walked journey: (what the line said, what the caller did next).

    The caller's action is a key, "silence", "record" or None (the journey stops there).
    """
    wait = Wait()
    for turn, action in steps:
        for heard in _until_key(turn.heard, action):
            if is_content(heard):
                wait.reached = True
                return wait
            wait.add(speaking_seconds(heard, audio_seconds), heard.describe())
        if _ends_wait(turn, action, wait):
            return wait
    return wait


def _until_key(heard: list[Heard], action: str | None) -> list[Heard]:
    """What the caller hears before pressing: up to the sentence that names the key (all if none does)."""
    if action is None or len(action) != 1:
        return heard
    for n, line in enumerate(heard):
        if line.kind == "say" and names_key(line.text, action):
            return [*heard[:n], Heard("say", _up_to_key(line.text, action), language=line.language)]
    return heard


def _up_to_key(text: str, key: str) -> str:
    """The words of a prompt up to the end of its first sentence that names the key."""
    said = ""
    for sentence in SENTENCE_END.split(text):
        said += sentence + " "
        if names_key(sentence, key):
            break
    return said.strip()


def _ends_wait(turn: Turn, action: str | None, wait: Wait) -> bool:
    if turn.waiting == "record":
        wait.reached = True  # the beep: the caller is speaking their own content
        return True
    if action and len(action) == 1:
        wait.add(KEY_SECONDS, f"> press {action}")
    elif action == "silence":
        wait.add(float(turn.options.get("timeout", 5)), "> silence")
    return action is None
