"""Admins' words for the line's prompts: the table of every prompt, edited words, versions."""

import logging
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from audio import prompt_audio
from core import kept_rows
from core.db import db
from core.models import Language
from ivr import prompts
from ivr.models import (
    PromptText,
)

log = logging.getLogger(__name__)


def prompt_table() -> list[dict]:
    """Every prompt with, per language (offered or not), its words and whether recorded audio replaces them."""
    languages = list(db.session.scalars(select(Language).order_by(Language.menu_digit)))
    edited = _edited_prompts()
    rows = []
    for prompt in prompts.PROMPTS.values():
        cells = {
            lang.code: {
                # a language being prepared shows only its own words, not the fallback's
                "text": prompt_words(prompt.id, lang.code)
                if lang.code in prompt.text or (prompt.id, lang.code) in edited
                else "",
                "edited": (prompt.id, lang.code) in edited,
                "audio": bool(prompt_audio.prompt_audio_url(prompt.id, lang.code)),
            }
            for lang in languages
        }
        rows.append({"prompt": prompt, "cells": cells})
    return rows


@dataclass(frozen=True)
class EditedWords:
    text: str
    version: int


def _edited_prompts() -> dict[tuple[str, str], EditedWords]:
    # Every call step speaks several prompts: kept per process (core.kept_rows), not read per step.
    def load() -> dict[tuple[str, str], EditedWords]:
        edited = db.session.scalars(select(PromptText))
        return {(p.prompt_id, p.language_code): EditedWords(p.text, p.version) for p in edited}

    return kept_rows.kept("prompt_texts", (PromptText.__tablename__,), load)


def prompt_words(prompt_id: str, language_code: str, **values) -> str:
    """The words the line speaks: an admin's wording if there is one, else the shipped text."""
    edited = _edited_prompts().get((prompt_id, language_code))
    if edited is None:
        return prompts.text(prompt_id, language_code, **values)
    try:  # checked again here: words stored before the checks (or by hand) must not silence the line
        prompts.check_words(edited.text, prompts.text(prompt_id, language_code))
        return prompts.fill(edited.text, values) if values else edited.text
    except prompts.WordsError as error:
        log.warning(
            "prompt %s (%s): edited words refused (%s); shipped words spoken", prompt_id, language_code, error
        )
        return prompts.text(prompt_id, language_code, **values)


def prompt_version(prompt_id: str, language_code: str) -> int:
    """The version of the words heard in that language (edits continue the shipped numbering)."""
    edited = _edited_prompts().get((prompt_id, language_code))
    return edited.version if edited else prompts.PROMPTS[prompt_id].version


def refusals(prompt_id: str, typed: dict[str, str]) -> dict[str, str]:
    """Why each language's typed words cannot be saved, by language code (empty when all can)."""
    found = {}
    for code, words in typed.items():
        words = " ".join(words.split())
        if not words:
            continue  # an empty box goes back to the shipped words
        try:
            prompts.check_words(words, prompts.text(prompt_id, code))
        except prompts.WordsError as error:
            found[code] = str(error)
    return found


def save_prompt_words(prompt_id: str, language_code: str, text: str, staff_id: int) -> str:
    """Set (or, with empty text, reset) an admin's wording; refuses text that drops or adds placeholders."""
    prompt = prompts.PROMPTS.get(prompt_id)
    if prompt is None:
        raise ValueError(gettext("there is no prompt '%(name)s'", name=prompt_id))
    text = " ".join(text.split())
    shipped = prompts.text(prompt_id, language_code)
    edited = db.session.scalar(select(PromptText).filter_by(prompt_id=prompt_id, language_code=language_code))
    if not text or text == shipped:
        if edited is not None:
            db.session.delete(edited)
        db.session.commit()
        return gettext("back to the shipped words")
    prompts.check_words(text, shipped)
    if edited is None:
        edited = PromptText(prompt_id=prompt_id, language_code=language_code, version=prompt.version)
        db.session.add(edited)
    edited.text = text
    edited.version = edited.version + 1
    edited.updated_by = staff_id
    db.session.commit()
    return gettext("saved as version %(number)d", number=edited.version)
