"""Every sentence the line can say in a language, with its slots filled by the real names and titles.

Reviewers read these to catch words that do not read right (a title in the wrong grammatical form,
a Latin-script place name inside a Hindi sentence) before a caller hears them.
"""

import itertools
import string
from dataclasses import dataclass

from sqlalchemy import select

from audio import (
    playback,
    starter,
)
from audio.models import Lesson
from core.db import db
from core.models import Contact, District, State, Topic
from ivr import (
    phone_registration,
    prompt_editing,
    prompts,
)

PLACEHOLDER = "…"  # a slot with nothing real to fill it (a count, a person's name)


@dataclass(frozen=True)
class Sentence:
    prompt_id: str
    words: str


def sentences(language_code: str) -> list[Sentence]:
    """Every prompt in the language, once per real value of its slots (list items, titles, places)."""
    found = []
    for prompt in prompts.PROMPTS.values():
        for values in _fillings(prompt.id, language_code):
            words = prompt_editing.prompt_words(prompt.id, language_code, **values)
            found.append(Sentence(prompt.id, words))
    return list(dict.fromkeys(found))


def _fillings(prompt_id: str, code: str) -> list[dict]:
    """The slot values to show: each real value at least once (shorter lists repeat alongside)."""
    names = _slots(prompts.text(prompt_id, code))
    if not names:
        return [{}]
    options = {name: _values(prompt_id, name, code) or [PLACEHOLDER] for name in names}
    longest = max(len(values) for values in options.values())
    cycled = {name: itertools.islice(itertools.cycle(values), longest) for name, values in options.items()}
    return [dict(zip(cycled, row, strict=True)) for row in zip(*cycled.values(), strict=True)]


def _slots(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


def _values(prompt_id: str, name: str, code: str) -> list[str]:
    if name == "digit":
        return ["1"]
    if name == "title":
        return titles(code)
    if name == "name" and prompt_id == "item_option":
        return list_items(code)
    if name == "role":
        return [prompt_editing.prompt_words(f"role_{role}", code) for role in Contact.ROLES]
    if name in ("district", "state"):
        return [phone_registration.place_name(place, code) for place in _places(name)]
    return []


def list_items(code: str) -> list[str]:
    """Every name a keypad list can say: topics, lesson and story titles, states and districts."""
    topics = [topic.name(code) for topic in db.session.scalars(select(Topic).order_by(Topic.position))]
    places = [
        phone_registration.place_name(place, code)
        for kind in ("state", "district")
        for place in _places(kind)
    ]
    return list(dict.fromkeys([*topics, *titles(code), *places]))


def titles(code: str) -> list[str]:
    """Titles of the published lessons and stories in the language, and of the starter library."""
    published = [
        track.title
        for kind in (Lesson.LESSON, Lesson.STORY)
        for _, track in playback.published_lessons(code, kind=kind)
    ]
    shipped = [script[code].title for script in starter.scripts().values() if code in script]
    return list(dict.fromkeys([*published, *shipped]))


def _places(kind: str) -> list:
    model = State if kind == "state" else District
    return list(db.session.scalars(select(model).order_by(model.name)))
