"""Transcription domain operations: transcribe and tag recordings, the review queue, search, lexicon."""

import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, literal_column, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from audio import store
from audio.models import Lesson, Recording
from core import queue
from core.db import db, utcnow
from core.models import StaffUser, Topic
from transcription import asr, model_files, quality, tagging
from transcription.models import TopicKeyword, TopicTag, Transcript

log = logging.getLogger(__name__)
LEXICON_CSV = Path(__file__).parent / "seed_data" / "lexicon.csv"
MACHINE_SOURCES = (TopicTag.ASR_KEYWORDS, TopicTag.MENU, TopicTag.LESSON)
TRANSCRIBE_JOB = "transcription.jobs.transcribe_recording"
READY_DEADLINE = timedelta(minutes=10)  # ready this long without a transcript: the job was lost
PENDING_DEADLINE = timedelta(minutes=30)  # far beyond the longest decode (2 min of audio)


# --- transcribing ---


def transcribe(recording: Recording) -> Transcript:
    """Transcribe, measure, tag and rank a ready recording; running it again replaces machine output."""
    transcript = transcript_row(recording.id)
    try:
        with store.local_file(recording.recognition_key) as path:
            sound = quality.measure(path)
            result = asr.transcribe_file(path, recording.language_code, current_app.config)
    except asr.NoModelError as error:
        # Retrying cannot help until an admin installs a model: record it for a human and stop.
        return _fail(transcript, str(error), [Transcript.NO_MODEL])
    except (asr.AsrError, store.StoreError, OSError) as error:
        _fail(transcript, f"{type(error).__name__}: {error}", [])
        raise RuntimeError(f"transcribing recording {recording.id} failed: {error}") from error
    _store_result(transcript, result, sound)
    suggestions = save_suggestions(recording, result.text)
    _rank(transcript, recording, sound, suggestions)
    db.session.commit()
    return transcript


def sweep_untranscribed(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Enqueue ready recordings whose transcription job was lost (Redis down, worker killed)."""
    now = now or utcnow()
    has_transcript = select(Transcript.id).where(
        Transcript.recording_id == Recording.id,
        or_(Transcript.status != Transcript.PENDING, Transcript.updated_at >= now - PENDING_DEADLINE),
    )
    lost = db.session.scalars(
        select(Recording.id)
        .where(Recording.status == Recording.READY, Recording.recognition_key != "")
        .where(Recording.ready_at < now - READY_DEADLINE, ~has_transcript.exists())
        .order_by(Recording.ready_at)
        .limit(limit)
    ).all()
    waiting = lost + _waiting_for_a_model(limit)
    for recording_id in waiting:
        # Pending from now: the next sweep leaves them alone unless this job is lost too.
        row = transcript_row(recording_id)
        row.status, row.updated_at = Transcript.PENDING, now
    db.session.commit()
    return [r for r in waiting if queue.enqueue_now("transcription", TRANSCRIBE_JOB, r)]


def _waiting_for_a_model(limit: int) -> list[int]:
    # Recordings that failed for want of a model, in languages that have one now (installed since).
    failed = db.session.execute(
        select(Transcript.recording_id, Recording.language_code)
        .join(Recording)
        .where(Transcript.status == Transcript.FAILED, Transcript.flags == Transcript.NO_MODEL)
        .where(Recording.status == Recording.READY)
        .limit(limit)
    ).all()
    config = current_app.config
    return [recording_id for recording_id, language in failed if model_files.resolve(language, config)]


def transcript_row(recording_id: int) -> Transcript:
    """The recording's transcript row, created if missing (one per recording, even under races)."""
    found = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if found is not None:
        return found
    transcript = Transcript(recording_id=recording_id)
    db.session.add(transcript)
    try:
        db.session.commit()
    except IntegrityError:
        # The same job ran twice at once; the other run created the row.
        db.session.rollback()
        return db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    return transcript


def _fail(transcript: Transcript, reason: str, flag_names: list[str]) -> Transcript:
    transcript.status, transcript.reason = Transcript.FAILED, reason
    transcript.flags = ",".join(flag_names)
    transcript.needs_listening = True
    transcript.priority = quality.KIND_PRIORITY.get(transcript.recording.kind, 30.0)
    db.session.commit()
    log.warning("transcript for recording %s failed: %s", transcript.recording_id, reason)
    return transcript


def _store_result(transcript: Transcript, result: asr.Result, sound: quality.Measure) -> None:
    recording = transcript.recording
    transcript.status, transcript.reason = Transcript.READY, ""
    transcript.language_code = recording.language_code or ""
    transcript.model_language, transcript.model_name = result.model.language, result.model.name
    transcript.model_version = result.model.version
    transcript.text = result.text
    transcript.words = json.dumps([[w.text, w.start, w.end, w.confidence] for w in result.words])
    transcript.confidence = result.confidence
    transcript.audio_seconds, transcript.speech_seconds = result.audio_seconds, sound.speech_seconds
    transcript.silence_ratio, transcript.clipping_ratio = sound.silence_ratio, sound.clipping_ratio
    transcript.real_time_factor = result.real_time_factor
    transcript.transcribed_at = utcnow()
    extra = [Transcript.DEMO_MODEL] if result.model.demo else []
    transcript.flags = ",".join(quality.flags(sound, len(result.words), result.confidence) + extra)
    transcript.needs_listening = quality.needs_listening(transcript.flag_list)


def _rank(transcript: Transcript, recording: Recording, sound, suggestions) -> None:
    best = max(tagging.combined_scores(suggestions).values(), default=0.0)
    transcript.priority = quality.priority(
        recording.kind, sound, transcript.flag_list, transcript.confidence, best
    )


def word_timings(transcript: Transcript) -> list[asr.Word]:
    """The transcript's words with start, end (seconds) and confidence."""
    return [asr.Word(*entry) for entry in json.loads(transcript.words or "[]")]


# --- tags ---


def lexicon(language_code: str | None) -> list[tagging.Keyword]:
    """The active keywords of one language."""
    query = select(TopicKeyword).filter_by(language_code=language_code or "", active=True)
    return [tagging.Keyword(k.topic_id, k.keyword, k.weight) for k in db.session.scalars(query)]


def save_suggestions(recording: Recording, transcript_text: str) -> list[tagging.Suggestion]:
    """Replace the machine's open suggestions; tags a curator decided on keep their decision."""
    lesson = db.session.get(Lesson, recording.lesson_id) if recording.lesson_id else None
    suggestions = tagging.suggest(
        transcript_text,
        lexicon(recording.language_code),
        menu_topic_id=recording.topic_id,
        lesson_topic_id=lesson.topic_id if lesson else None,
    )
    existing = {(t.topic_id, t.source): t for t in _tags(recording.id) if t.source in MACHINE_SOURCES}
    for suggestion in suggestions:
        tag = existing.pop((suggestion.topic_id, suggestion.source), None) or TopicTag(
            recording_id=recording.id, topic_id=suggestion.topic_id, source=suggestion.source
        )
        tag.score, tag.keywords = suggestion.score, ",".join(suggestion.keywords)
        db.session.add(tag)
    for stale in existing.values():
        if stale.status == TopicTag.SUGGESTED:
            db.session.delete(stale)
    return suggestions


def _tags(recording_id: int) -> list[TopicTag]:
    return list(db.session.scalars(select(TopicTag).filter_by(recording_id=recording_id)))


def tags_for(recording_id: int) -> list[TopicTag]:
    """A recording's tags, highest score first, rejected ones last."""
    tags = _tags(recording_id)
    return sorted(tags, key=lambda t: (t.status == TopicTag.REJECTED, -t.score, t.topic_id))


def accept_tag(recording_id: int, topic_id: int, staff: StaffUser) -> list[TopicTag]:
    """A curator confirms a topic: its suggestions are accepted (a curator tag if none existed)."""
    tags = [t for t in _tags(recording_id) if t.topic_id == topic_id]
    if not tags:
        return [add_tag(recording_id, topic_id, staff)]
    for tag in tags:
        _decide(tag, TopicTag.ACCEPTED, staff)
    db.session.commit()
    return tags


def reject_tag(recording_id: int, topic_id: int, staff: StaffUser) -> list[TopicTag]:
    """A curator says a recording is not about a topic: every tag for that topic is rejected."""
    tags = [t for t in _tags(recording_id) if t.topic_id == topic_id]
    for tag in tags:
        _decide(tag, TopicTag.REJECTED, staff)
    db.session.commit()
    return tags


def add_tag(recording_id: int, topic_id: int, staff: StaffUser) -> TopicTag:
    """A curator tags a recording with a topic the machine did not suggest."""
    if db.session.get(Topic, topic_id) is None:
        raise LookupError(f"no topic with id {topic_id}")
    tag = db.session.scalar(
        select(TopicTag).filter_by(recording_id=recording_id, topic_id=topic_id, source=TopicTag.CURATOR)
    ) or TopicTag(recording_id=recording_id, topic_id=topic_id, source=TopicTag.CURATOR, score=1.0)
    _decide(tag, TopicTag.ACCEPTED, staff)
    db.session.add(tag)
    db.session.commit()
    return tag


def _decide(tag: TopicTag, status: str, staff: StaffUser) -> None:
    tag.status, tag.decided_by_id, tag.decided_at = status, staff.id, utcnow()


# --- the lexicon, as data admins edit ---


def seed(demo: bool = False) -> None:
    """Load the shipped keyword lexicon: rows not there yet are added, edited rows are left alone."""
    topics = {t.slug: t.id for t in db.session.scalars(select(Topic))}
    with LEXICON_CSV.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["topic"] in topics:
                _add_keyword(topics[row["topic"]], row["language"], row["keyword"], float(row["weight"]))
    db.session.commit()


def _add_keyword(topic_id: int, language: str, keyword: str, weight: float, source=TopicKeyword.SEED):
    keys = {"topic_id": topic_id, "language_code": language, "keyword": keyword}
    found = db.session.scalar(select(TopicKeyword).filter_by(**keys))
    if found is None:
        found = TopicKeyword(**keys, weight=weight, source=source)
        db.session.add(found)
    return found


def add_keyword(topic_id: int, language: str, keyword: str, weight: float = 1.0) -> TopicKeyword:
    """An admin adds (or re-activates) a keyword for a topic in one language."""
    cleaned = " ".join(tagging.tokens(keyword.rstrip("*"))) + ("*" if keyword.strip().endswith("*") else "")
    if not cleaned.strip("*"):
        raise ValueError("a keyword needs at least one letter or digit")
    if not 0 < weight <= 5:
        raise ValueError("weight must be above 0 and at most 5")
    if db.session.get(Topic, topic_id) is None:
        raise LookupError(f"no topic with id {topic_id}")
    entry = _add_keyword(topic_id, language, cleaned, weight, TopicKeyword.ADMIN)
    entry.weight, entry.active = weight, True
    db.session.commit()
    return entry


def deactivate_keyword(keyword_id: int) -> None:
    """An admin stops a keyword from suggesting its topic (kept, so it can come back)."""
    entry = db.session.get(TopicKeyword, keyword_id)
    if entry is None:
        raise LookupError(f"no keyword with id {keyword_id}")
    entry.active = False
    db.session.commit()


@dataclass(frozen=True)
class LexiconSuggestion:
    topic_id: int
    keyword: str
    action: str  # "add": curators tagged this topic where the word was said; "review": it misled
    evidence: int  # recordings behind the suggestion


def lexicon_suggestions(language: str, min_recordings: int = 2) -> list[LexiconSuggestion]:
    """What curators' decisions say about the lexicon: words worth adding, keywords that mislead."""
    return _words_to_add(language, min_recordings) + _keywords_to_review(min_recordings)


def _words_to_add(language: str, min_recordings: int) -> list[LexiconSuggestion]:
    # Topics curators confirmed where the transcript carried no keyword for them.
    found = db.session.execute(
        select(TopicTag.topic_id, Transcript.text)
        .join(Transcript, Transcript.recording_id == TopicTag.recording_id)
        .where(TopicTag.status == TopicTag.ACCEPTED, TopicTag.source != TopicTag.ASR_KEYWORDS)
        .where(Transcript.language_code == language)
    ).all()
    known = {(k.topic_id, k.keyword) for k in db.session.scalars(select(TopicKeyword))}
    counts: dict[int, Counter] = {}
    for topic_id, transcript_text in found:
        counts.setdefault(topic_id, Counter()).update(set(tagging.tokens(transcript_text)))
    everywhere = _document_frequency(language)
    return [
        LexiconSuggestion(topic_id, word, "add", n)
        for topic_id, words in counts.items()
        for word, n in words.most_common(10)
        if n >= min_recordings and (topic_id, word) not in known and n * 2 > everywhere.get(word, 0)
    ]


def _document_frequency(language: str) -> Counter:
    # A word said in most recordings of any topic ("the", "है") says nothing about this topic.
    texts = db.session.scalars(select(Transcript.text).filter_by(language_code=language))
    return Counter(word for t in texts for word in set(tagging.tokens(t)))


def _keywords_to_review(min_recordings: int) -> list[LexiconSuggestion]:
    rejected: Counter = Counter()
    tags = db.session.scalars(select(TopicTag).filter_by(source=TopicTag.ASR_KEYWORDS))
    decided = [t for t in tags if t.status != TopicTag.SUGGESTED]
    for tag in decided:
        for keyword in tag.keyword_list:
            rejected[(tag.topic_id, keyword)] += 1 if tag.status == TopicTag.REJECTED else -1
    return [
        LexiconSuggestion(topic_id, keyword, "review", n)
        for (topic_id, keyword), n in rejected.items()
        if n >= min_recordings
    ]


# --- the review queue ---


def review_queue(
    kind: str | None = None,
    language: str | None = None,
    topic_id: int | None = None,
    needs_listening: bool | None = None,
    flag: str | None = None,
    include_reviewed: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[Transcript]:
    """Transcripts for curators, most urgent first: questions, likely-useful stories, noise last."""
    query = select(Transcript).join(Recording).options(selectinload(Transcript.recording))
    query = query.where(Transcript.status != Transcript.PENDING)
    if kind:
        query = query.where(Recording.kind == kind)
    if language:
        query = query.where(Recording.language_code == language)
    if topic_id is not None:
        tagged = select(TopicTag.recording_id).where(TopicTag.topic_id == topic_id)
        query = query.where(Recording.id.in_(tagged.where(TopicTag.status != TopicTag.REJECTED)))
    if needs_listening is not None:
        query = query.where(Transcript.needs_listening == needs_listening)
    if flag:
        query = query.where(Transcript.flags.contains(flag))
    if not include_reviewed:
        query = query.where(Transcript.reviewed_at.is_(None))
    query = query.order_by(Transcript.priority.desc(), Transcript.created_at, Transcript.id)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def mark_reviewed(transcript_id: int, staff: StaffUser, notes: str | None = None) -> Transcript:
    """A curator is done with a recording; it leaves the queue (notes, if given, are saved)."""
    transcript = _transcript(transcript_id)
    if notes is not None:
        transcript.notes = notes.strip()
    transcript.reviewed_at, transcript.reviewed_by_id = utcnow(), staff.id
    db.session.commit()
    return transcript


def set_notes(transcript_id: int, notes: str) -> Transcript:
    """Save a curator's notes on a transcript (searchable)."""
    transcript = _transcript(transcript_id)
    transcript.notes = notes.strip()
    db.session.commit()
    return transcript


def _transcript(transcript_id: int) -> Transcript:
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None:
        raise LookupError(f"no transcript with id {transcript_id}")
    return transcript


# --- full-text search ---


def search(query: str, limit: int = 50) -> list[Transcript]:
    """Transcripts whose text or curator notes contain every word of the query, best match first."""
    words = tagging.tokens(query)
    if not words:
        return []
    if db.engine.dialect.name == "sqlite":
        ids = _search_sqlite(words, limit)
    else:
        ids = _search_postgresql(words, limit)
    rows = {t.id: t for t in db.session.scalars(select(Transcript).where(Transcript.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _search_sqlite(words: list[str], limit: int) -> list[int]:
    # Each word quoted, so the query language (AND, NEAR, *, -) in user input is plain text.
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    statement = text(
        "SELECT rowid FROM transcript_search WHERE transcript_search MATCH :match ORDER BY rank LIMIT :limit"
    )
    return list(db.session.scalars(statement, {"match": match, "limit": limit}))


SIMPLE = literal_column("'simple'::regconfig")


def _search_postgresql(words: list[str], limit: int) -> list[int]:
    # The expression repeats the index's (migration transcription_0001) so the GIN index is used.
    document = func.to_tsvector(
        SIMPLE, Transcript.text.op("||")(literal_column("' '")).op("||")(Transcript.notes)
    )
    wanted = func.plainto_tsquery(SIMPLE, " ".join(words))
    statement = (
        select(Transcript.id)
        .where(document.op("@@")(wanted))
        .order_by(func.ts_rank(document, wanted).desc(), Transcript.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


# --- speech models ---


def speech_models_report(config: dict) -> dict:
    """Which languages have a model, and what hears the others (for /readyz and `models list`)."""
    report = {
        language: {"model": info.label, "source": info.source, "present": info.path.is_dir()}
        for language, info in model_files.available(config).items()
    }
    fallback = model_files.resolve(None, config)
    report["*"] = {
        "model": fallback.label if fallback else "none: recordings in other languages are not transcribed",
        "source": fallback.source if fallback else "",
        "present": bool(fallback and fallback.path.is_dir()),
    }
    return report


def install_model(language: str, source: Path, sha256: str | None = None) -> model_files.ModelInfo:
    """Install a Vosk model for a language from a zip archive or folder, once it is proven to load."""
    try:
        return model_files.install(language, source, current_app.config, sha256, verify=asr.verify)
    except asr.AsrError as error:
        raise model_files.ModelFileError(str(error)) from error


def check_models() -> list[tuple[model_files.ModelInfo, str]]:
    """Load every model in use and decode a second of silence: [(model, 'ok ...' or the problem)]."""
    config = current_app.config
    fallback = model_files.resolve(None, config)
    models = [*model_files.available(config).values(), *([fallback] if fallback else [])]
    outcomes = []
    for info in {m.path: m for m in models}.values():
        missing = model_files.problems(info.path)
        if missing:
            outcomes.append((info, "; ".join(missing)))
            continue
        try:
            outcomes.append((info, f"ok (loaded in {asr.verify(info.path):.1f} s)"))
        except asr.AsrError as error:
            outcomes.append((info, str(error)))
    return outcomes
