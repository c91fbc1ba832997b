"""Languages are data: an admin adds one, gives every prompt words or audio in it, then switches it on."""

import re

from flask_babel import gettext
from sqlalchemy import select

from audio import prompt_audio
from core.db import db
from core.models import Language
from core.words import language_name
from ivr import prompts
from ivr.models import PromptText

CODE = re.compile(r"^[a-z]{2,3}$")
MENU_DIGITS = range(1, 9)  # 9 opens "more options" and 0 repeats on every menu


class LanguageError(ValueError):
    """A language cannot be added or switched on as asked; the message says why."""


def all_languages() -> list[Language]:
    """Every language, offered or not, in keypad order."""
    return list(db.session.scalars(select(Language).order_by(Language.menu_digit)))


def missing_prompts(code: str) -> list[str]:
    """Ids of the prompts the line could say that have neither words nor recorded audio in the language."""
    edited = set(db.session.scalars(select(PromptText.prompt_id).filter_by(language_code=code)))
    recorded = set(prompt_audio.prompt_audio_keys(code))
    return [
        prompt.id
        for prompt in prompts.PROMPTS.values()
        if code not in prompt.text and prompt.id not in edited | recorded
    ]


def add_language(
    code: str, name: str, native_name: str, digit: str, say_language: str, voice: str
) -> Language:
    """A new language, switched off until every prompt has words or audio in it."""
    code, name = code.strip().lower(), name.strip()
    if not CODE.match(code):
        raise LanguageError(gettext("the code is two or three small English letters, for Marathi: mr"))
    if db.session.get(Language, code) is not None:
        raise LanguageError(gettext("there is already a language with the code %(code)s", code=code))
    if not name:
        raise LanguageError(gettext("give the language a name"))
    number = int(digit) if digit.strip().isdigit() else 0
    taken = {language.menu_digit for language in all_languages()}
    if number not in MENU_DIGITS or number in taken:
        free = ", ".join(str(d) for d in MENU_DIGITS if d not in taken)
        raise LanguageError(gettext("choose a free key for the language menu: %(keys)s", keys=free))
    language = Language(
        code=code,
        name=name,
        native_name=native_name.strip() or name,
        menu_digit=number,
        say_language=say_language.strip() or f"{code}-IN",
        say_voice=voice.strip(),
        active=False,
    )
    db.session.add(language)
    db.session.commit()
    return language


def switch(code: str, on: bool) -> Language:
    """Offer the language to callers (only once nothing is missing), or stop offering it."""
    language = db.session.get(Language, code)
    if language is None:
        raise LanguageError(gettext("there is no such language"))
    missing = missing_prompts(code)
    if on and missing:
        raise LanguageError(
            gettext(
                "prompts that still have no words or audio in %(language)s: %(num)d",
                language=language_name(code),
                num=len(missing),
            )
        )
    if not on and language.active and sum(lang.active for lang in all_languages()) == 1:
        raise LanguageError(gettext("the line needs at least one language"))
    language.active = on
    db.session.commit()
    return language
