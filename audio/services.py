"""Audio domain operations: recordings (register, fetch, check, convert), the lesson library, media URLs."""

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

from flask import current_app
from pydub import AudioSegment
from rq import Retry
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from audio import convert, fetch, jobs, store
from audio.models import Lesson, LessonSegment, LessonTrack, PromptAudio, Recording
from core import queue
from core.db import db, utcnow
from core.models import Language, Topic

log = logging.getLogger(__name__)

MEDIA_URL_SECONDS = 6 * 3600  # long enough for a call, short enough that a leaked link dies
# Twilio answers 404 for a few seconds after the call; then back off in case it is slower.
FETCH_RETRY_INTERVALS = [5, 15, 30, 60, 120, 300]
MIN_RECORDING_SECONDS = 1.0
PENDING_DEADLINE = timedelta(minutes=5)  # longer than a healthy queue ever takes to start a fetch
DOWNLOADING_DEADLINE = timedelta(minutes=20)  # longer than every retry interval together
MAX_FETCH_ATTEMPTS = 12


@dataclass(frozen=True)
class PlaylistItem:
    segment_id: int
    position: int
    url: str
    duration_seconds: float
    allows_back: bool
    text: str = ""  # words for a synthetic voice (<Say>) when there is no audio to play instead
    voice: str = ""  # the <Say> voice for those words


def register_recording(recording_sid: str, **fields) -> tuple[Recording, bool]:
    """Get or create the row for a Twilio recording; a new row's download is enqueued after commit."""
    existing = db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))
    if existing is not None:
        return existing, False
    recording = Recording(recording_sid=recording_sid, status=Recording.PENDING, **fields)
    db.session.add(recording)
    try:
        db.session.flush()
    except IntegrityError:
        # The same callback delivered twice at once: the other request created the row.
        db.session.rollback()
        return db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid)), False
    enqueue_fetch(recording.id)
    db.session.commit()
    return recording, True


def add_local_recording(path: Path, **fields) -> Recording:
    """A recording that did not come through Twilio (the demo's stories): stored and processed at once."""
    recording = Recording(status=Recording.DOWNLOADING, **fields)
    db.session.add(recording)
    db.session.flush()
    recording.original_key = recording_key(recording.id, "original")
    store.write_file(recording.original_key, path)
    return process_recording(recording)


def enqueue_fetch(recording_id: int) -> None:
    """Enqueue the recording's download after the transaction commits, retried with backoff."""
    retry = Retry(max=len(FETCH_RETRY_INTERVALS), interval=FETCH_RETRY_INTERVALS)
    queue.enqueue_after_commit("audio", jobs.fetch_recording, recording_id, retry=retry)


def published_lessons(language_code: str, topic_id: int | None = None, kind: str = Lesson.LESSON):
    """Published lessons (or stories) with a track in the language, in menu order: [(lesson, track)]."""
    query = (
        select(Lesson, LessonTrack)
        .join(LessonTrack, LessonTrack.lesson_id == Lesson.id)
        .where(Lesson.status == Lesson.PUBLISHED, Lesson.kind == kind)
        .where(LessonTrack.language_code == language_code)
        .order_by(Lesson.position, Lesson.published_at.desc(), Lesson.id)
    )
    if topic_id is not None:
        query = query.where(Lesson.topic_id == topic_id)
    return [tuple(row) for row in db.session.execute(query)]


def lesson_playlist(lesson_id: int, language_code: str) -> list[PlaylistItem]:
    """The playable segments of a published lesson in one language; empty if retired or missing."""
    query = (
        select(LessonSegment)
        .join(LessonTrack)
        .join(Lesson)
        .where(Lesson.id == lesson_id, Lesson.status == Lesson.PUBLISHED)
        .where(LessonTrack.language_code == language_code)
        .order_by(LessonSegment.position)
    )
    offline = speaks_offline()
    items = [_playlist_item(segment, language_code, offline) for segment in db.session.scalars(query)]
    return [item for item in items if item is not None]


def _playlist_item(segment: LessonSegment, language_code: str, offline: bool) -> PlaylistItem | None:
    """Recorded audio plays; typed words are said by Twilio's voice, or played from espeak-ng offline.

    A typed segment keeps the URL of its offline rendering too, for players that can only play audio.
    """
    url = signed_media_url(segment.playback_key) if segment.playback_key else ""
    say = bool(segment.text) and not (offline and url)
    if not url and not say:
        return None
    text, voice = (segment.text, tts_voice(language_code)) if say else ("", "")
    return PlaylistItem(segment.id, segment.position, url, segment.duration_seconds, segment.allows_back,
                        text=text, voice=voice)  # fmt: skip


def speaks_offline() -> bool:
    """Whether typed words play from their espeak-ng rendering (sandbox, demo) instead of Twilio's <Say>."""
    setting = current_app.config.get("TTS_OFFLINE", "auto")
    if setting == "auto":
        return bool(current_app.config.get("TWILIO_SANDBOX"))
    return setting == "on"


def tts_voice(language_code: str) -> str:
    """The configured Twilio text-to-speech voice for a language ('' lets the language's own voice speak)."""
    return current_app.config.get(f"TTS_VOICE_{language_code.upper()}", "")


def prompt_audio_url(prompt_id: str, language_code: str) -> str | None:
    """Signed URL of an uploaded recording of the prompt, or None to fall back to speech."""
    key = db.session.scalar(
        select(PromptAudio.playback_key).filter_by(prompt_id=prompt_id, language_code=language_code)
    )
    return signed_media_url(key) if key else None


def prompt_audio_keys(language_code: str) -> dict[str, str]:
    """Every uploaded prompt recording in a language, {prompt id: stored key}, in one query."""
    query = select(PromptAudio.prompt_id, PromptAudio.playback_key).filter_by(language_code=language_code)
    return {prompt_id: key for prompt_id, key in db.session.execute(query) if key}


def _media_signature(key: str, expires: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"media:{key}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_media_url(key: str, seconds: int = MEDIA_URL_SECONDS, now: float | None = None) -> str:
    """An absolute, expiring, HMAC-signed URL Twilio can fetch without logging in."""
    expires = int((now or time.time()) + seconds)
    query = urlencode({"e": expires, "s": _media_signature(key, expires)})
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/media/{key}?{query}"


def media_signature_is_valid(key: str, expires: str, signature: str, now: float | None = None) -> bool:
    """True if the signature matches the key and expiry and the link has not expired."""
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    return hmac.compare_digest(_media_signature(key, int(expires)), signature)


# --- caller recordings: fetch, check, convert ---


def recording_key(recording_id: int, name: str) -> str:
    """Deterministic store key of one of a recording's files, so a re-run overwrites, never duplicates."""
    return f"recordings/{recording_id}/{name}.wav"


def max_recording_seconds() -> float:
    """Callers' recordings are kept up to this length."""
    return float(current_app.config["MAX_RECORDING_SECONDS"])


def fetch_recording(recording_id: int, final_attempt: bool = True) -> Recording | None:
    """Download, check and convert a recording; a finished or missing row is left alone."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.status in (Recording.READY, Recording.FAILED):
        return recording
    recording.status, recording.attempts = Recording.DOWNLOADING, recording.attempts + 1
    db.session.commit()
    remove_leftovers(recording.id)
    try:
        keep_original(recording)
    except fetch.DownloadRefusedError as error:
        return fail(recording, Recording.DOWNLOAD_REFUSED, str(error))
    except fetch.DownloadPermanentError as error:
        return fail(recording, Recording.DOWNLOAD_FAILED, str(error))
    except fetch.DownloadNotReadyError as error:
        if final_attempt:
            fail(recording, Recording.DOWNLOAD_FAILED, str(error))
        raise
    return process_recording(recording)


def remove_leftovers(recording_id: int) -> None:
    """Delete the scratch folders and half-written files an earlier attempt left when it was killed."""
    store.remove_orphaned_scratch()
    store.remove_orphaned_writes(f"recordings/{recording_id}/")


def keep_original(recording: Recording) -> None:
    """Store the downloaded bytes untouched under the recording's original key (once)."""
    key = recording_key(recording.id, "original")
    if recording.original_key == key and store.exists(key):
        return
    cap = int(max_recording_seconds() * 4 * 16000) + 4096  # four times the longest 8 kHz 16-bit recording
    with store.scratch_dir() as folder:
        path = folder / "original.wav"
        capped = fetch.download(recording.source_url, path, cap)
        store.write_file(key, path)
    recording.original_key = key
    if capped:
        recording.flags = add_flag(recording.flags, Recording.TOO_LONG)
    db.session.commit()


def add_flag(flags: str, flag: str) -> str:
    """The comma-separated flags with one more (no duplicates)."""
    names = [name for name in flags.split(",") if name]
    return ",".join(names if flag in names else [*names, flag])


@dataclass
class Examined:
    """What a recording turned out to be: usable audio with flags, or a failure reason."""

    audio: AudioSegment | None
    reason: str = ""
    detail: str = ""
    flags: list[str] = field(default_factory=list)


def examine_audio(path: Path, max_seconds: float, reported_seconds: float | None = None) -> Examined:
    """Decode a caller's file within limits and classify it with a reason code."""
    if path.stat().st_size == 0:
        return Examined(None, Recording.EMPTY, "the file has no bytes")
    try:
        decoded = convert.decode(path, max_seconds)
    except convert.NotAudioError as error:
        return Examined(None, Recording.NOT_AUDIO, str(error))
    except convert.DecodeTimeoutError as error:
        return Examined(None, Recording.DECODE_TIMEOUT, str(error))
    except convert.DecodeError as error:
        return Examined(None, Recording.DECODE_FAILED, str(error))
    return classify(decoded, plausible_seconds(reported_seconds, max_seconds))


def plausible_seconds(reported: float | None, max_seconds: float) -> float | None:
    """A reported duration, or None when no <Record> could have lasted that long (a forged callback)."""
    if reported is None or not 0 <= reported <= max_seconds + 1:  # Twilio rounds to whole seconds
        return None
    return reported


def classify(decoded: convert.Decoded, reported_seconds: float | None) -> Examined:
    """Reason code for decoded audio that cannot be used, else the flags it deserves."""
    seconds = decoded.audio.duration_seconds
    if seconds == 0:
        return Examined(None, Recording.EMPTY, "the file holds no audio samples")
    if seconds < MIN_RECORDING_SECONDS:
        return Examined(None, Recording.TOO_SHORT, f"{seconds:.2f} s of audio")
    if convert.is_silent(decoded.audio):
        return Examined(None, Recording.SILENCE, f"{seconds:.1f} s below {convert.SILENCE_DBFS:g} dBFS")
    flags = [Recording.TOO_LONG] if decoded.capped else []
    # Twilio reports whole seconds; a second of slack avoids flagging rounding.
    cut_short = reported_seconds is not None and not decoded.capped and seconds < reported_seconds * 0.9 - 1
    if decoded.damaged or cut_short:
        flags.append(Recording.TRUNCATED)
    return Examined(decoded.audio, flags=flags)


def process_recording(recording: Recording) -> Recording:
    """Classify the stored original and write the recognition and phone copies, or fail with a reason."""
    with store.local_file(recording.original_key) as path:
        examined = examine_audio(path, max_recording_seconds(), recording.reported_seconds)
    if examined.audio is None:
        return fail(recording, examined.reason, examined.detail)
    recognition = recording_key(recording.id, "recognition")
    playback = recording_key(recording.id, "playback")
    store.write_bytes(recognition, convert.wav_bytes(convert.recognition_copy(examined.audio)))
    store.write_bytes(playback, convert.wav_bytes(convert.phone_copy(examined.audio)))
    flags = recording.flags
    for flag in examined.flags:
        flags = add_flag(flags, flag)
    return finish(
        recording,
        Recording.READY,
        recognition_key=recognition,
        playback_key=playback,
        duration_seconds=round(examined.audio.duration_seconds, 3),
        flags=flags,
        reason="",
        reason_detail="",
        ready_at=utcnow(),
    )


def fail(recording: Recording, reason: str, detail: str) -> Recording:
    """End a recording in FAILED with a reason code and a line a person can read."""
    log.warning("recording %s failed: %s (%s)", recording.id, reason, detail)
    return finish(recording, Recording.FAILED, reason=reason, reason_detail=detail)


def finish(recording: Recording, status: str, **values) -> Recording:
    """Move a recording to a terminal state once (compare-and-set); READY enqueues transcription."""
    changed = db.session.execute(
        update(Recording)
        .where(Recording.id == recording.id, Recording.status.not_in((Recording.READY, Recording.FAILED)))
        .values(status=status, updated_at=utcnow(), **values)
    ).rowcount
    if changed and status == Recording.READY:
        for recording_ready in current_app.extensions["audio.recording_ready"]:
            recording_ready(recording.id)
    db.session.commit()
    db.session.refresh(recording)
    return recording


def sweep_stuck_recordings(now=None) -> list[int]:
    """Re-enqueue recordings left pending or downloading past their deadline (lost jobs, Redis outages).

    Scratch folders that killed jobs left on this machine are removed too.
    """
    now = now or utcnow()
    store.remove_orphaned_scratch()
    stuck = db.session.scalars(
        select(Recording).where(
            or_(
                and_(Recording.status == Recording.PENDING, Recording.updated_at < now - PENDING_DEADLINE),
                and_(
                    Recording.status == Recording.DOWNLOADING,
                    Recording.updated_at < now - DOWNLOADING_DEADLINE,
                ),
            )
        )
    ).all()
    requeued = []
    for recording in stuck:
        if recording.attempts >= MAX_FETCH_ATTEMPTS:
            fail(recording, Recording.DOWNLOAD_FAILED, f"gave up after {recording.attempts} attempts")
            continue
        recording.updated_at = now
        enqueue_fetch(recording.id)
        requeued.append(recording.id)
    db.session.commit()
    return requeued


# --- erasure and retention: callers' voices are personal data ---

AUDIO_EXPIRED = "audio_expired"  # flag on a recording whose audio the retention job deleted


def _delete_prefix(prefix: str) -> int:
    """Delete every stored file under a prefix; returns how many."""
    keys = store.keys(prefix)
    for key in keys:
        store.delete(key)
    return len(keys)


def _delete_recording_files(recording: Recording) -> int:
    """Delete all of a recording's renditions (and any stray file under its folder)."""
    removed = _delete_prefix(f"recordings/{recording.id}/")
    for key in {recording.original_key, recording.recognition_key, recording.playback_key} - {""}:
        if not key.startswith(f"recordings/{recording.id}/") and store.exists(key):
            store.delete(key)
            removed += 1
    return removed


def _delete_story(lesson: Lesson) -> int:
    """Delete a story lesson made from a caller's recording: its rows and every rendered file."""
    removed = _delete_prefix(f"lessons/{lesson.id}/")
    db.session.delete(lesson)
    return removed


def _stories_from(recording_ids: list[int], exclude_published: bool = False) -> list[Lesson]:
    query = select(Lesson).where(Lesson.kind == Lesson.STORY, Lesson.source_recording_id.in_(recording_ids))
    if exclude_published:
        query = query.where(Lesson.status != Lesson.PUBLISHED)
    return list(db.session.scalars(query)) if recording_ids else []


def erase_contact_audio(contact_id: int) -> list[str]:
    """Delete a person's recordings (every rendition) and the stories made from them; report lines.

    Files go first and rows after, so a run cut short can simply be run again. The caller commits.
    """
    recordings = list(db.session.scalars(select(Recording).filter_by(contact_id=contact_id)))
    stories = _stories_from([r.id for r in recordings])
    files = sum(_delete_story(lesson) for lesson in stories)
    for recording in recordings:
        files += _delete_recording_files(recording)
        db.session.delete(recording)
    db.session.flush()
    return [
        f"{len(recordings)} recording(s) deleted",
        f"{len(stories)} story(ies) made from them deleted",
        f"{files} audio file(s) deleted from the media store",
    ]


def expire_old_recordings(days: int, now=None) -> int:
    """Delete the audio of callers' recordings older than `days` unless a published story plays it.

    The row stays (flagged audio_expired) for counts; unpublished stories made from it go too. 0 = keep.
    """
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    published = select(Lesson.source_recording_id).where(
        Lesson.kind == Lesson.STORY,
        Lesson.status == Lesson.PUBLISHED,
        Lesson.source_recording_id.is_not(None),
    )
    old = select(Recording).where(
        Recording.created_at < cutoff,
        Recording.id.not_in(published),
        Recording.kind.in_((Recording.STORY, Recording.QUESTION)),
    )
    expired = [r for r in db.session.scalars(old) if AUDIO_EXPIRED not in r.flags.split(",")]
    for recording in expired:
        for lesson in _stories_from([recording.id], exclude_published=True):
            _delete_story(lesson)
        _delete_recording_files(recording)
        recording.original_key = recording.recognition_key = recording.playback_key = ""
        recording.flags = add_flag(recording.flags, AUDIO_EXPIRED)
    db.session.commit()
    return len(expired)


def remove_orphaned_recording_files() -> int:
    """Delete files under recordings/<id>/ whose recording row no longer exists (a job racing an erasure)."""
    by_id: dict[int, list[str]] = {}
    for key in store.keys("recordings/"):
        folder = key.split("/")[1]
        if folder.isdigit():
            by_id.setdefault(int(folder), []).append(key)
    existing = (
        set(db.session.scalars(select(Recording.id).where(Recording.id.in_(by_id)))) if by_id else set()
    )
    orphans = [key for rid, keys in by_id.items() if rid not in existing for key in keys]
    for key in orphans:
        store.delete(key)
    return len(orphans)


# --- the library: lessons, stories and prompt audio uploaded and edited by staff ---

UPLOAD_MAX_BYTES = 40 * 1024 * 1024
UPLOAD_EXTENSIONS = {"wav", "mp3", "m4a", "mp4", "aac", "ogg", "oga", "opus", "amr", "webm", "flac", "3gp"}
LESSON_MAX_SECONDS = 30 * 60
SEGMENT_MAX_MS = 90_000
PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


class LibraryError(ValueError):
    """A staff action cannot be done; the message says why in plain words."""


def receive_upload(stream: BinaryIO, filename: str, folder: Path) -> Path:
    """Copy an uploaded file into folder, refusing unknown extensions and files over the size cap."""
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if extension not in UPLOAD_EXTENSIONS:
        allowed = ", ".join(sorted(UPLOAD_EXTENSIONS))
        raise LibraryError(f"'{filename or 'the file'}' is not an audio file we accept ({allowed})")
    target, received = folder / f"upload.{extension}", 0
    with target.open("wb") as output:
        while chunk := stream.read(1 << 20):
            received += len(chunk)
            if received > UPLOAD_MAX_BYTES:
                raise LibraryError(f"the file is larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB")
            output.write(chunk)
    if received == 0:
        raise LibraryError("the file is empty")
    return target


def decode_for_library(path: Path, max_seconds: float = LESSON_MAX_SECONDS) -> AudioSegment:
    """Decode a staff upload (probed first, length-capped) to mono 16-bit audio, or LibraryError."""
    examined = examine_audio(path, max_seconds)
    messages = {
        Recording.NOT_AUDIO: "the file is not audio we can read",
        Recording.DECODE_FAILED: "the audio could not be decoded",
        Recording.DECODE_TIMEOUT: "the audio took too long to decode",
        Recording.EMPTY: "the file holds no audio",
        Recording.TOO_SHORT: "the audio is shorter than a second",
        Recording.SILENCE: "the audio is silent",
    }
    if examined.audio is None:
        detail = f" ({examined.detail})" if examined.detail else ""
        raise LibraryError(messages.get(examined.reason, examined.reason) + detail)
    return examined.audio


def _content_key(prefix: str, name: str, data: bytes) -> str:
    return f"{prefix}/{name}-{hashlib.sha256(data).hexdigest()[:12]}.wav"


def _put_wav(prefix: str, name: str, audio: AudioSegment) -> str:
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
        raise LibraryError("cuts must be whole milliseconds") from error
    if end is not None and end <= start:
        raise LibraryError("the end must come after the start")
    if any(b <= a or a < 0 for a, b in remove):
        raise LibraryError("each removed span must end after it starts")
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
        raise LibraryError("less than a second of sound is left after the cuts")
    return convert.phone_copy(audio)


def store_rendering(track: LessonTrack, phone: AudioSegment) -> None:
    """Store a rendered phone copy as the track's full file and segments (rows not committed)."""
    track.playback_key = _put_wav(track_prefix(track), "full", phone)
    track.duration_seconds = round(phone.duration_seconds, 3)
    cut_segments(track, phone, convert.split_points(phone, SEGMENT_MAX_MS))


def cut_segments(track: LessonTrack, phone: AudioSegment, points: list[int]) -> None:
    """Replace the track's segments with the pieces between the points (ms), each stored as a file."""
    track.segments.clear()
    db.session.flush()  # old positions must be gone before new ones take them
    bounds = [0, *points, len(phone)]
    for position, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        key = _put_wav(track_prefix(track), f"segment-{position}", phone[start:end])
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
        raise LibraryError("a title is needed")
    return title[:200]


def _write_track(
    lesson: Lesson, language_code: str, title: str, original: Path, phone: AudioSegment
) -> LessonTrack:
    track = db.session.scalar(select(LessonTrack).filter_by(lesson_id=lesson.id, language_code=language_code))
    track = track or LessonTrack(lesson=lesson, language_code=language_code)
    track.title = title
    track.original_key, track.edits = _store_original(lesson.id, language_code, original), ""
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
        raise LibraryError(f"every cut must fall inside the track (0 to {length / 1000:.1f} s)")
    bounds = [0, *points, length]
    if any(end - start > SEGMENT_MAX_MS for start, end in zip(bounds, bounds[1:], strict=False)):
        raise LibraryError(f"a segment would be longer than {SEGMENT_MAX_MS // 1000} s")
    with store.local_file(track.playback_key) as path:
        phone = convert.decode(path, LESSON_MAX_SECONDS).audio
    cut_segments(track, phone, points)
    db.session.commit()
    return track


def _track(track_id: int) -> LessonTrack:
    track = db.session.get(LessonTrack, track_id)
    if track is None:
        raise LibraryError("that track does not exist")
    return track


def _source_limit(track: LessonTrack) -> float:
    story = track.lesson.source_recording_id is not None
    return max_recording_seconds() if story else LESSON_MAX_SECONDS


def set_lesson_status(lesson_id: int, status: str) -> Lesson:
    """Publish, retire (gone from every menu at once) or return a lesson to draft."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise LibraryError("that lesson does not exist")
    if status == Lesson.PUBLISHED and not any(track.segments for track in lesson.tracks):
        raise LibraryError("a lesson needs audio before it can be published")
    if status not in (Lesson.DRAFT, Lesson.PUBLISHED, Lesson.RETIRED):
        raise LibraryError(f"unknown status {status!r}")
    lesson.status = status
    if status == Lesson.PUBLISHED:
        lesson.published_at, lesson.retired_at = utcnow(), None
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
        raise LibraryError("only a recording that finished processing can be published")
    if recording.consent == Recording.TRAINERS_ONLY:
        raise LibraryError("the caller agreed to share this recording with trainers only")
    edits = parse_edits(cuts)
    with store.local_file(recording.original_key) as path:
        phone = phone_rendering(path, edits, max_recording_seconds())  # decoded before any write
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
    track.original_key, track.edits = recording.original_key, json.dumps(edits)
    db.session.add(track)
    db.session.flush()
    store_rendering(track, phone)
    db.session.commit()


def save_prompt_audio(prompt_id: str, language_code: str, upload: BinaryIO, filename: str) -> PromptAudio:
    """Store a recorded IVR prompt (trimmed, normalised, 8 kHz) replacing any earlier one."""
    prompt_id = (prompt_id or "").strip().lower()
    if not PROMPT_ID.match(prompt_id):
        raise LibraryError("a prompt id uses lower-case letters, digits, '.', '_' or '-'")
    with store.scratch_dir() as folder:
        audio = decode_for_library(receive_upload(upload, filename, folder), 5 * 60)
    key = _put_wav(f"prompts/{language_code}", prompt_id, convert.phone_copy(convert.trim_silence(audio)))
    query = select(PromptAudio).filter_by(prompt_id=prompt_id, language_code=language_code)
    prompt = db.session.scalar(query)
    old_key = prompt.playback_key if prompt else None
    prompt = prompt or PromptAudio(prompt_id=prompt_id, language_code=language_code)
    prompt.playback_key, prompt.uploaded_at = key, utcnow()
    db.session.add(prompt)
    db.session.commit()
    if old_key and old_key != key:
        store.delete(old_key)
    return prompt


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


def prompt_audio_list() -> list[PromptAudio]:
    """Every uploaded prompt recording, by prompt and language."""
    query = select(PromptAudio).order_by(PromptAudio.prompt_id, PromptAudio.language_code)
    return list(db.session.scalars(query))


def staff_may_hear(key: str) -> bool:
    """True for keys of audio that staff pages play (recordings, lessons, prompts)."""
    return key.split("/", 1)[0] in ("recordings", "lessons", "prompts")


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


def recordings_per_status() -> dict[tuple[str, str], int]:
    """How many callers' recordings there are of each kind in each processing state (the operator's /metrics)."""
    query = select(Recording.kind, Recording.status, func.count()).group_by(Recording.kind, Recording.status)
    return {(kind, status): count for kind, status, count in db.session.execute(query)}
