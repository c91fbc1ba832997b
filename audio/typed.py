"""Typed lessons: a script spoken by a synthetic voice until a curator attaches recorded audio.

On the line Twilio's <Say> speaks each segment in the voice configured for its language; the simulator,
the demo and staff pages play an offline rendering made here with espeak-ng. Renderings are stored under
a key made from the words, so rendering again changes nothing unless the words changed.
"""

import hashlib
import logging
import re
import shutil

from flask_babel import gettext
from sqlalchemy import select

from audio import (
    convert,
    lesson_library,
    store,
)
from audio.models import Lesson, LessonSegment, LessonTrack
from core.db import db

log = logging.getLogger(__name__)

WORDS_PER_MINUTE = 150  # espeak-ng's rate here, and the estimate for words not rendered yet
SEGMENT_MAX_WORDS = 200  # about 80 s spoken: a segment must stay under the 90 s a part may last
SCRIPT_MAX_CHARACTERS = 20_000


def split_script(script: str) -> list[str]:
    """The script's segments: paragraphs separated by blank lines, each with its spaces evened out."""
    paragraphs = re.split(r"\n\s*\n", (script or "").replace("\r\n", "\n"))
    return [" ".join(paragraph.split()) for paragraph in paragraphs if paragraph.strip()]


def estimated_ms(text: str) -> int:
    """How long the words take to say at WORDS_PER_MINUTE."""
    return round(len(text.split()) * 60_000 / WORDS_PER_MINUTE)


def can_render() -> bool:
    """Whether espeak-ng is installed to speak typed words offline."""
    return shutil.which("espeak-ng") is not None


def check_script(title: str, script: str) -> list[str]:
    """The script's segments, or LibraryError saying what is wrong with the title or the words."""
    if not (title or "").strip():
        raise lesson_library.LibraryError(gettext("a title is needed"))
    if len(script or "") > SCRIPT_MAX_CHARACTERS:
        raise lesson_library.LibraryError(
            gettext("the words are longer than %(count)d characters", count=SCRIPT_MAX_CHARACTERS)
        )
    segments = split_script(script)
    if not segments:
        raise lesson_library.LibraryError(
            gettext("the script is empty: type the words the line should speak")
        )
    for number, text in enumerate(segments, start=1):
        if len(text.split()) > SEGMENT_MAX_WORDS:
            raise lesson_library.LibraryError(
                gettext(
                    "part %(number)d has more than %(count)d words: split it with a blank line",
                    number=number,
                    count=SEGMENT_MAX_WORDS,
                )
            )
    return segments


def create_typed_lesson(title: str, language_code: str, topic_id: int | None, script: str, level: int = 1):
    """A new draft lesson whose words a synthetic voice speaks; commits."""
    check_script(title, script)
    lesson = Lesson(kind=Lesson.LESSON, topic_id=topic_id or None, level=level, status=Lesson.DRAFT)
    db.session.add(lesson)
    db.session.flush()
    save_typed_track(lesson, language_code, title, script)
    return lesson


def save_typed_track(lesson: Lesson, language_code: str, title: str, script: str) -> LessonTrack:
    """Set the lesson's title and words in one language (replacing recorded audio there); commits."""
    segments = check_script(title, script)
    query = select(LessonTrack).filter_by(lesson_id=lesson.id, language_code=language_code)
    track = db.session.scalar(query) or LessonTrack(lesson=lesson, language_code=language_code)
    track.title = title.strip()[:200]
    track.script = "\n\n".join(segments)
    track.original_key = ""
    track.edits = ""
    track.playback_key = ""
    db.session.add(track)
    db.session.flush()
    set_segments(track, segments)
    render(track)
    db.session.commit()
    return track


def set_segments(track: LessonTrack, texts: list[str]) -> None:
    """One segment per text, timed by estimate; segments already holding these words are kept."""
    if [segment.text for segment in track.segments] == texts:
        return
    # Unchanged words keep their rendering, so correcting one part re-renders only that part.
    kept = {s.text: (s.playback_key, s.end_ms - s.start_ms) for s in track.segments if s.playback_key}
    track.segments.clear()
    db.session.flush()  # old positions must be gone before new ones take them
    start = 0
    for position, text in enumerate(texts, start=1):
        key, length = kept.get(text, ("", estimated_ms(text)))
        segment = LessonSegment(position=position, start_ms=start, end_ms=start + length, text=text)
        segment.playback_key = key
        track.segments.append(segment)
        start += length
    track.duration_seconds = start / 1000
    db.session.flush()


def speech_key(track: LessonTrack, text: str) -> str:
    """Where the rendering of these words in this track's language lives (named by the words)."""
    digest = hashlib.sha256(f"{track.language_code}\n{text}".encode()).hexdigest()[:16]
    return f"{lesson_library.track_prefix(track)}/speech-{digest}.wav"


def render(track: LessonTrack) -> int:
    """Render every typed segment with espeak-ng unless already rendered from the same words.

    Returns how many segments were rendered (0 when espeak-ng is missing: the line's <Say> still works).
    """
    if not track.synthetic or not can_render():
        return 0
    rendered, start = 0, 0
    for segment in track.segments:
        key = speech_key(track, segment.text)
        if segment.playback_key != key or not store.exists(key):
            length = _render_segment(key, segment.text, track.language_code)
            segment.playback_key = key
            segment.end_ms = segment.start_ms + length
            rendered += 1
        length = segment.end_ms - segment.start_ms
        segment.start_ms = start
        segment.end_ms = start + length
        start += length
    track.duration_seconds = start / 1000
    _delete_unused(track)
    return rendered


def _render_segment(key: str, text: str, language_code: str) -> int:
    with store.scratch_dir() as folder:
        path = folder / "speech.wav"
        convert.synthesize(text, language_code, path)
        audio = convert.decode(path, lesson_library.LESSON_MAX_SECONDS).audio
    phone = convert.phone_copy(convert.trim_silence(audio))
    store.write_bytes(key, convert.wav_bytes(phone))
    return len(phone)


def _delete_unused(track: LessonTrack) -> None:
    """Remove renderings of the track that no segment uses any more (an original is never touched)."""
    used = {segment.playback_key for segment in track.segments}
    for key in store.keys(lesson_library.track_prefix(track) + "/"):
        if key not in used and not key.startswith(f"{lesson_library.track_prefix(track)}/original"):
            store.delete(key)
