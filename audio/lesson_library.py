"""The lesson library staff edit: uploads, tracks per language, edits and segments, status, stories published from recordings."""

import hashlib
import json
import logging
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext, lazy_gettext
from pydub import AudioSegment
from sqlalchemy import select

from audio import convert, recording_pipeline, store
from audio.models import Lesson, LessonSegment, LessonTrack, Recording
from core.db import db, utcnow
from core.models import Language, Topic

log = logging.getLogger(__name__)


UPLOAD_MAX_BYTES = 40 * 1024 * 1024


UPLOAD_EXTENSIONS = {"wav", "mp3", "m4a", "mp4", "aac", "ogg", "oga", "opus", "amr", "webm", "flac", "3gp"}


LESSON_MAX_SECONDS = 30 * 60


SEGMENT_MAX_MS = 90_000


class LibraryError(ValueError):
    """A staff action cannot be done; the message says why in plain words, in the page's language."""


# Why an upload could not be used, by the pipeline's reason.
DECODE_REFUSALS = {
    Recording.NOT_AUDIO: lazy_gettext("the file is not audio we can read"),
    Recording.DECODE_FAILED: lazy_gettext("the audio could not be decoded"),
    Recording.DECODE_TIMEOUT: lazy_gettext("the audio took too long to decode"),
    Recording.EMPTY: lazy_gettext("the file holds no audio"),
    Recording.TOO_SHORT: lazy_gettext("the audio is shorter than a second"),
    Recording.SILENCE: lazy_gettext("the audio is silent"),
}


def receive_upload(stream: BinaryIO, filename: str, folder: Path) -> Path:
    """Copy an uploaded file into folder, refusing unknown extensions and files over the size cap."""
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if extension not in UPLOAD_EXTENSIONS:
        allowed = ", ".join(sorted(UPLOAD_EXTENSIONS))
        raise LibraryError(
            gettext("'%(name)s' is not an audio file we accept (%(allowed)s)", name=filename, allowed=allowed)
            if filename
            else gettext("Choose an audio file (%(allowed)s).", allowed=allowed)
        )
    target, received = folder / f"upload.{extension}", 0
    with target.open("wb") as output:
        while chunk := stream.read(1 << 20):
            received += len(chunk)
            if received > UPLOAD_MAX_BYTES:
                raise LibraryError(
                    gettext(
                        "the file is larger than %(megabytes)d MB",
                        megabytes=UPLOAD_MAX_BYTES // (1024 * 1024),
                    )
                )
            output.write(chunk)
    if received == 0:
        raise LibraryError(gettext("the file is empty"))
    return target


def decode_for_library(path: Path, max_seconds: float = LESSON_MAX_SECONDS) -> AudioSegment:
    """Decode a staff upload (probed first, length-capped) to mono 16-bit audio, or LibraryError."""
    examined = recording_pipeline.examine_audio(path, max_seconds)
    if examined.audio is None:
        # The decoder's own words (English, technical) go to the log; staff read why in plain words.
        log.info("upload refused: %s (%s)", examined.reason, examined.detail)
        if examined.reason == Recording.TOO_LONG:
            raise LibraryError(
                gettext("the audio is longer than %(minutes)d minutes", minutes=max_seconds // 60)
            )
        unreadable = DECODE_REFUSALS[Recording.DECODE_FAILED]
        raise LibraryError(str(DECODE_REFUSALS.get(examined.reason, unreadable)))
    return examined.audio


def _content_key(prefix: str, name: str, data: bytes) -> str:
    return f"{prefix}/{name}-{hashlib.sha256(data).hexdigest()[:12]}.wav"


def put_wav(prefix: str, name: str, audio: AudioSegment) -> str:
    """Store audio under a content-addressed key (so a changed rendering gets a new URL)."""
    data = convert.wav_bytes(audio)
    key = _content_key(prefix, name, data)
    store.write_bytes(key, data)
    return key


def track_prefix(track: LessonTrack) -> str:
    """Where a track's renderings live."""
    return f"lessons/{track.lesson_id}/{track.language_code}"


def parse_edits(edits: dict | None) -> dict:
    """Validated cuts {start_ms, end_ms, remove: [[start, end], ...]} with whole milliseconds."""
    edits = edits or {}
    try:
        start = max(0, int(edits.get("start_ms") or 0))
        end = int(edits["end_ms"]) if edits.get("end_ms") not in (None, "") else None
        remove = [[int(a), int(b)] for a, b in edits.get("remove") or []]
    except (TypeError, ValueError) as error:
        raise LibraryError(gettext("cuts must be whole milliseconds")) from error
    if end is not None and end <= start:
        raise LibraryError(gettext("the end must come after the start"))
    if any(b <= a or a < 0 for a, b in remove):
        raise LibraryError(gettext("each removed span must end after it starts"))
    return {"start_ms": start, "end_ms": end, "remove": sorted(remove)}


def track_edits(track: LessonTrack) -> dict:
    """The track's current cuts (see parse_edits)."""
    return parse_edits(json.loads(track.edits or "{}"))


def render_track(track: LessonTrack, max_seconds: float = LESSON_MAX_SECONDS) -> None:
    """Render the phone copy from the untouched original: cuts, silence trimmed, loudness, segments."""
    with store.local_file(track.original_key) as path:
        phone = phone_rendering(path, track_edits(track), max_seconds)
    store_rendering(track, phone)


def phone_rendering(path: Path, edits: dict, max_seconds: float = LESSON_MAX_SECONDS) -> AudioSegment:
    """The phone copy of an original with its cuts: the slow part (decoding), done before any database write."""
    audio = decode_for_library(path, max_seconds)
    audio = convert.trim_silence(convert.apply_edits(audio, **edits))
    if len(audio) < 1000:
        raise LibraryError(gettext("less than a second of sound is left after the cuts"))
    return convert.phone_copy(audio)


def store_rendering(track: LessonTrack, phone: AudioSegment) -> None:
    """Store a rendered phone copy as the track's full file and segments (rows not committed)."""
    track.playback_key = put_wav(track_prefix(track), "full", phone)
    track.duration_seconds = round(phone.duration_seconds, 3)
    cut_segments(track, phone, convert.split_points(phone, SEGMENT_MAX_MS))


def cut_segments(track: LessonTrack, phone: AudioSegment, points: list[int]) -> None:
    """Replace the track's segments with the pieces between the points (ms), each stored as a file."""
    track.segments.clear()
    db.session.flush()  # old positions must be gone before new ones take them
    bounds = [0, *points, len(phone)]
    for position, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        key = put_wav(track_prefix(track), f"segment-{position}", phone[start:end])
        track.segments.append(LessonSegment(position=position, start_ms=start, end_ms=end, playback_key=key))
    db.session.flush()
    _delete_unused(track)


def _delete_unused(track: LessonTrack) -> None:
    """Remove renderings of the track that no row refers to any more (the original is never touched)."""
    used = {track.playback_key, track.original_key, *(s.playback_key for s in track.segments)}
    for key in store.keys(track_prefix(track) + "/"):
        if key not in used and not key.startswith(f"{track_prefix(track)}/original"):
            store.delete(key)


def _store_original(lesson_id: int, language_code: str, upload: Path) -> str:
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()[:12]
    key = f"lessons/{lesson_id}/{language_code}/original-{digest}{upload.suffix}"
    store.write_file(key, upload)
    return key


def create_lesson(
    title: str, language_code: str, topic_id: int | None, upload: BinaryIO, filename: str, level: int = 1
) -> Lesson:
    """A new draft lesson with its first track, rendered for the phone and cut into segments."""
    title = _required_title(title)
    with store.scratch_dir() as folder:
        path = receive_upload(upload, filename, folder)
        # Decode first: a SQLite write lock taken before it would hold every call waiting meanwhile.
        phone = phone_rendering(path, parse_edits({}))
        lesson = Lesson(kind=Lesson.LESSON, topic_id=topic_id or None, level=level, status=Lesson.DRAFT)
        db.session.add(lesson)
        db.session.flush()
        _write_track(lesson, language_code, title, path, phone)
    db.session.commit()
    return lesson


def save_track(
    lesson: Lesson, language_code: str, title: str, upload: BinaryIO, filename: str
) -> LessonTrack:
    """Add (or replace) the lesson's audio and title in one language; commits."""
    title = _required_title(title)
    with store.scratch_dir() as folder:
        path = receive_upload(upload, filename, folder)
        phone = phone_rendering(path, parse_edits({}))  # decoded before any write, as above
        track = _write_track(lesson, language_code, title, path, phone)
    db.session.commit()
    return track


def _required_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise LibraryError(gettext("a title is needed"))
    return title[:200]


def _write_track(
    lesson: Lesson, language_code: str, title: str, original: Path, phone: AudioSegment
) -> LessonTrack:
    track = db.session.scalar(select(LessonTrack).filter_by(lesson_id=lesson.id, language_code=language_code))
    track = track or LessonTrack(lesson=lesson, language_code=language_code)
    track.title = title
    track.original_key = _store_original(lesson.id, language_code, original)
    track.edits = ""
    db.session.add(track)
    db.session.flush()
    store_rendering(track, phone)
    return track


def edit_track(track_id: int, edits: dict) -> LessonTrack:
    """Set the track's cuts (start, end, removed spans) and re-render it; the original stays as it was."""
    track = _track(track_id)
    track.edits = json.dumps(parse_edits(edits))
    try:
        render_track(track, _source_limit(track))
    except LibraryError:
        db.session.rollback()
        raise
    db.session.commit()
    return track


def set_segment_boundaries(track_id: int, boundaries_ms: list[int]) -> LessonTrack:
    """Cut the track's phone copy at these points instead (each piece at most SEGMENT_MAX_MS)."""
    track = _track(track_id)
    length = round(track.duration_seconds * 1000)
    points = sorted({int(point) for point in boundaries_ms})
    if any(point <= 0 or point >= length for point in points):
        raise LibraryError(
            gettext(
                "every cut must fall inside the track (0 to %(seconds)s s)", seconds=f"{length / 1000:.1f}"
            )
        )
    bounds = [0, *points, length]
    if any(end - start > SEGMENT_MAX_MS for start, end in zip(bounds, bounds[1:], strict=False)):
        raise LibraryError(
            gettext("a part would be longer than %(seconds)d s", seconds=SEGMENT_MAX_MS // 1000)
        )
    with store.local_file(track.playback_key) as path:
        phone = convert.decode(path, LESSON_MAX_SECONDS).audio
    cut_segments(track, phone, points)
    db.session.commit()
    return track


def _track(track_id: int) -> LessonTrack:
    track = db.session.get(LessonTrack, track_id)
    if track is None:
        raise LibraryError(gettext("that track does not exist"))
    return track


def _source_limit(track: LessonTrack) -> float:
    story = track.lesson.source_recording_id is not None
    return recording_pipeline.max_recording_seconds() if story else LESSON_MAX_SECONDS


def set_lesson_status(lesson_id: int, status: str) -> Lesson:
    """Publish, retire (gone from every menu at once) or return a lesson to draft."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise LibraryError(gettext("that lesson does not exist"))
    if status == Lesson.PUBLISHED and not any(track.segments for track in lesson.tracks):
        raise LibraryError(gettext("a lesson needs audio before it can be published"))
    if status not in (Lesson.DRAFT, Lesson.PUBLISHED, Lesson.RETIRED):
        raise LibraryError(gettext("a lesson is a draft, published or retired"))
    lesson.status = status
    if status == Lesson.PUBLISHED:
        lesson.published_at = utcnow()
        lesson.retired_at = None
    elif status == Lesson.RETIRED:
        lesson.retired_at = utcnow()
    db.session.commit()
    log.info("lesson %s is now %s", lesson.id, status)
    return lesson


def publish_story_from_recording(
    recording_id: int,
    title: str,
    language_code: str,
    topic_id: int | None = None,
    cuts: dict | None = None,
    contributor_name: str = "",
    publish: bool = True,
) -> Lesson:
    """Turn a caller's READY recording into a story lesson (cuts: {start_ms, end_ms, remove: [[a, b]]}).

    The caller's original is never changed; publishing again updates the same story. The contributor's
    name is kept only when the caller agreed to be named.
    """
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.status != Recording.READY:
        raise LibraryError(gettext("only a recording that finished processing can be published"))
    if recording.consent == Recording.TRAINERS_ONLY:
        raise LibraryError(gettext("the caller agreed to share this recording with trainers only"))
    edits = parse_edits(cuts)
    with store.local_file(recording.original_key) as path:
        phone = phone_rendering(
            path, edits, recording_pipeline.max_recording_seconds()
        )  # decoded before any write
    lesson = db.session.scalar(select(Lesson).filter_by(source_recording_id=recording.id, kind=Lesson.STORY))
    lesson = lesson or Lesson(kind=Lesson.STORY, source_recording_id=recording.id, status=Lesson.DRAFT)
    lesson.topic_id = topic_id or recording.topic_id
    lesson.contributor_name = contributor_name.strip()[:120] if recording.consent == Recording.NAMED else ""
    db.session.add(lesson)
    db.session.flush()
    _story_track(lesson, recording, title, language_code, edits, phone)
    return set_lesson_status(lesson.id, Lesson.PUBLISHED) if publish else lesson


def _story_track(
    lesson: Lesson, recording: Recording, title: str, language_code: str, edits: dict, phone: AudioSegment
) -> None:
    track = db.session.scalar(select(LessonTrack).filter_by(lesson_id=lesson.id, language_code=language_code))
    track = track or LessonTrack(lesson=lesson, language_code=language_code)
    track.title = (title or "").strip()[:200] or "Story"
    track.original_key = recording.original_key
    track.edits = json.dumps(edits)
    db.session.add(track)
    db.session.flush()
    store_rendering(track, phone)
    db.session.commit()


def library_lessons(status: str | None = None) -> list[Lesson]:
    """Lessons and stories for the library page, newest first, optionally of one status."""
    order = (Lesson.status, Lesson.position, Lesson.created_at.desc(), Lesson.id.desc())
    query = select(Lesson).order_by(*order)
    if status:
        query = query.where(Lesson.status == status)
    return list(db.session.scalars(query))


def form_choices() -> tuple[list[Language], list[Topic]]:
    """Active languages and topics for the library's forms."""
    languages = db.session.scalars(select(Language).filter_by(active=True).order_by(Language.menu_digit))
    topics = db.session.scalars(select(Topic).filter_by(active=True).order_by(Topic.position))
    return list(languages), list(topics)


def seed(demo: bool = False) -> list[str]:
    """The demo's lessons: the starter library, published; returns a line for each part not made."""
    from audio import starter, typed  # they build on this module

    if not demo or db.session.scalar(select(Lesson.id).limit(1)) is not None:
        return []
    try:
        starter.load(publish=True)
    except convert.ToolError as error:  # espeak-ng or ffmpeg failed: start anyway and say so
        db.session.rollback()
        log.exception("the starter lessons could not be rendered")
        return [f"the starter lessons could not be rendered ({error})"]
    if not typed.can_render():
        problem = "espeak-ng is not installed: the starter lessons have no offline audio (run scripts/setup)"
        log.warning(problem)
        return [problem]
    return []
