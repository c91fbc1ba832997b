"""Recorded audio for the line's prompts: uploaded per prompt and language, found at call time."""

import hashlib
import re
import shutil
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import select

from audio import convert, lesson_library, playback, store
from audio.models import PromptAudio
from core import kept_rows
from core.db import db, utcnow


def prompt_audio_url(prompt_id: str, language_code: str) -> str | None:
    """Signed URL of an uploaded recording of the prompt, or None to fall back to speech."""
    key = db.session.scalar(
        select(PromptAudio.playback_key).filter_by(prompt_id=prompt_id, language_code=language_code)
    )
    return playback.signed_media_url(key) if key else None


def prompt_audio_keys(language_code: str) -> dict[str, str]:
    """Every uploaded prompt recording in a language, {prompt id: stored key}: read at every call step,
    so kept per process (core.kept_rows). Do not change the dictionary returned."""

    def load() -> dict[str, str]:
        query = select(PromptAudio.prompt_id, PromptAudio.playback_key).filter_by(language_code=language_code)
        return {prompt_id: key for prompt_id, key in db.session.execute(query) if key}

    return kept_rows.kept(f"prompt_audio:{language_code}", (PromptAudio.__tablename__,), load)


PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


def save_prompt_audio(prompt_id: str, language_code: str, upload: BinaryIO, filename: str) -> PromptAudio:
    """Store a recorded IVR prompt (trimmed, normalised, 8 kHz) replacing any earlier one."""
    prompt_id = (prompt_id or "").strip().lower()
    if not PROMPT_ID.match(prompt_id):
        raise lesson_library.LibraryError(
            gettext("a prompt's name uses small English letters, digits, '.', '_' or '-'")
        )
    with store.scratch_dir() as folder:
        audio = lesson_library.decode_for_library(
            lesson_library.receive_upload(upload, filename, folder), 5 * 60
        )
    key = lesson_library.put_wav(
        f"prompts/{language_code}", prompt_id, convert.phone_copy(convert.trim_silence(audio))
    )
    query = select(PromptAudio).filter_by(prompt_id=prompt_id, language_code=language_code)
    prompt = db.session.scalar(query)
    old_key = prompt.playback_key if prompt else None
    prompt = prompt or PromptAudio(prompt_id=prompt_id, language_code=language_code)
    prompt.playback_key = key
    prompt.uploaded_at = utcnow()
    db.session.add(prompt)
    db.session.commit()
    if old_key and old_key != key:
        store.delete(old_key)
    return prompt


def prompt_audio_list() -> list[PromptAudio]:
    """Every uploaded prompt recording, by prompt and language."""
    query = select(PromptAudio).order_by(PromptAudio.prompt_id, PromptAudio.language_code)
    return list(db.session.scalars(query))


SPOKEN_PREFIX = "speech"
VOICE = re.compile(r"^[a-z]{2,3}$")


def spoken_words(text: str, language: str) -> str | None:
    """The store key of `text` spoken by espeak-ng in the language ('hi', 'hi-IN'), rendered once.

    For listeners without a voice of their own (the browser simulator): the same words the line's
    <Say> speaks. None when espeak-ng is not installed or the language is not one it can be asked for.
    """
    voice = (language or "").split("-")[0].lower()
    if not VOICE.match(voice) or not shutil.which("espeak-ng"):
        return None
    digest = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:20]
    key = f"{SPOKEN_PREFIX}/{voice}/{digest}.wav"
    if store.exists(key):
        return key
    with store.scratch_dir() as folder:
        path = folder / "speech.wav"
        try:
            convert.synthesize(text.lstrip("- "), voice, path)  # a leading '-' would read as an option
        except convert.ToolError:  # a language espeak-ng has no voice for, or a stuck run
            return None
        store.write_file(key, path)
    return key
