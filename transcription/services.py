"""Transcription domain operations: transcribe and tag recordings, the review queue, search, lexicon."""

import csv
import json
import logging
import wave
from array import array
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, literal_column, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from audio import services as audio_services
from audio import store
from audio.models import Lesson, Recording
from core import queue
from core.db import db, utcnow
from core.models import Contact, District, StaffUser, Topic
from transcription import asr, helpdesk, jobs, model_files, quality, recognition, tagging
from transcription.models import AuditEntry, Review, TopicKeyword, TopicTag, Transcript

log = logging.getLogger(__name__)
LEXICON_CSV = Path(__file__).parent / "seed_data" / "lexicon.csv"
MACHINE_SOURCES = (TopicTag.ASR_KEYWORDS, TopicTag.MENU, TopicTag.LESSON)
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
    return [r for r in waiting if queue.enqueue_now("transcription", jobs.transcribe_recording, r)]


def queue_transcription(recording_id: int) -> None:
    """Transcribe a recording once the transaction that made it ready commits (audio's ready hook)."""
    queue.enqueue_after_commit("transcription", jobs.transcribe_recording, recording_id)


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
    if not _corrected_by_curator(recording.id):
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


def _corrected_by_curator(recording_id: int) -> bool:
    return db.session.scalar(select(Review.text_edited_at).filter_by(recording_id=recording_id)) is not None


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


@dataclass(frozen=True)
class QueueFilters:
    """What a curator narrows the queue to; every field is optional."""

    kind: str | None = None
    language: str | None = None
    topic_id: int | None = None
    needs_listening: bool | None = None
    flag: str | None = None
    status: str | None = None  # a Review status; None keeps the old meaning (not yet reviewed)
    district_id: int | None = None
    block_id: int | None = None
    role: str | None = None  # the contributor's role (Contact.ROLES)
    date_from: date | None = None  # recorded on or after (UTC day)
    date_to: date | None = None  # recorded on or before (UTC day)


REVIEW_STATUS = func.coalesce(Review.status, Review.NEW)


def review_queue(
    kind: str | None = None,
    language: str | None = None,
    topic_id: int | None = None,
    needs_listening: bool | None = None,
    flag: str | None = None,
    include_reviewed: bool = False,
    limit: int = 50,
    offset: int = 0,
    **more,
) -> list[Transcript]:
    """Transcripts for curators, most urgent first: questions, likely-useful stories, noise last."""
    filters = QueueFilters(kind, language, topic_id, needs_listening, flag, **more)
    query = _filtered(select(Transcript), filters).options(selectinload(Transcript.recording))
    if filters.status is None and not include_reviewed:
        query = query.where(Transcript.reviewed_at.is_(None))
    query = query.order_by(Transcript.priority.desc(), Transcript.created_at, Transcript.id)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def status_counts(filters: QueueFilters | None = None) -> dict[str, int]:
    """How many transcribed recordings sit in each review status (under the other filters)."""
    filters = replace(filters or QueueFilters(), status=None)
    query = _filtered(select(REVIEW_STATUS, func.count(Transcript.id)), filters).group_by(REVIEW_STATUS)
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in Review.STATUSES}


def _filtered(query, f: QueueFilters):
    query = query.select_from(Transcript).join(Recording, Recording.id == Transcript.recording_id)
    query = query.outerjoin(Review, Review.recording_id == Recording.id)
    query = query.where(Transcript.status != Transcript.PENDING)
    wanted = {
        Recording.kind: f.kind, Recording.language_code: f.language, REVIEW_STATUS: f.status,
        Transcript.needs_listening: f.needs_listening,
    }  # fmt: skip
    for column, value in wanted.items():
        if value is not None:
            query = query.where(column == value)
    if f.topic_id is not None:
        tagged = select(TopicTag.recording_id).where(TopicTag.topic_id == f.topic_id)
        query = query.where(Recording.id.in_(tagged.where(TopicTag.status != TopicTag.REJECTED)))
    if f.flag:
        query = query.where(Transcript.flags.contains(f.flag))
    return _by_contributor(_by_date(query, f), f)


def _by_date(query, f: QueueFilters):
    if f.date_from:
        query = query.where(Recording.created_at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        query = query.where(
            Recording.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min, UTC)
        )
    return query


def _by_contributor(query, f: QueueFilters):
    if not (f.district_id or f.block_id or f.role):
        return query
    query = query.join(Contact, Contact.id == Recording.contact_id)
    for column, value in (
        (Contact.district_id, f.district_id),
        (Contact.block_id, f.block_id),
        (Contact.role, f.role),
    ):
        if value:
            query = query.where(column == value)
    return query


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


# --- curators' decisions: one Review per recording, guarded by its version ---


class ReviewError(ValueError):
    """A curator's action cannot be done; the message says why in plain words."""


class ConflictError(ReviewError):
    """Another curator changed the recording since this page was loaded."""


def review_for(recording_id: int) -> Review:
    """The recording's review row, created (status new) on first use."""
    review = db.session.scalar(select(Review).filter_by(recording_id=recording_id))
    if review is not None:
        return review
    if db.session.get(Recording, recording_id) is None:
        raise LookupError(f"no recording with id {recording_id}")
    review = Review(recording_id=recording_id, status=Review.NEW)
    db.session.add(review)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # opened by two curators at once: the other request made it
        return db.session.scalar(select(Review).filter_by(recording_id=recording_id))
    return review


def _guarded(recording_id: int, version: int | None) -> Review:
    """The review, if nobody changed it since the curator's page showed `version`."""
    review = review_for(recording_id)
    if version is None or version != review.version:
        raise ConflictError(_conflict_message(review))
    return review


def _conflict_message(review: Review) -> str:
    who = review.decided_by.name or review.decided_by.username if review.decided_by else "another curator"
    return (
        f"{who} changed this recording while you had it open (now: {review.status.replace('_', ' ')}). "
        "Your change was not saved; the page shows their version, decide again if still needed."
    )


@contextmanager
def _conflicts(recording_id: int):
    """Commit the changes made inside; a concurrent change by someone else becomes a ConflictError."""
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise ConflictError(_conflict_message(review_for(recording_id))) from error


def _review_state(review: Review) -> dict:
    return {"status": review.status, "reason": review.reason, "lesson_id": review.lesson_id}


def _set_decision(review: Review, status: str, staff: StaffUser, reason: str = "") -> dict:
    """Set the decision on the row (not committed) and return the state before it."""
    before = _review_state(review)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=review.recording_id))
    review.status, review.reason = status, reason
    review.decided_by_id, review.decided_at = staff.id, utcnow()
    if transcript is not None:
        transcript.reviewed_at, transcript.reviewed_by_id = review.decided_at, staff.id
    return before


def _retire_story(review: Review) -> None:
    # A story taken back (rejected, kept for trainers) leaves every menu at once; called only
    # after the decision committed, so a refused decision never takes a story off the line.
    lesson = db.session.get(Lesson, review.lesson_id) if review.lesson_id else None
    if lesson is not None and lesson.status == Lesson.PUBLISHED:
        audio_services.set_lesson_status(lesson.id, Lesson.RETIRED)


def reject(recording_id: int, version: int | None, staff: StaffUser, reason: str) -> Review:
    """Reject a recording with a reason the team can read later."""
    if not (reason or "").strip():
        raise ReviewError("say why the recording is rejected")
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        before = _set_decision(review, Review.REJECTED, staff, reason.strip())
        AuditEntry.record(staff, "reject", review, before, _review_state(review))
    _retire_story(review)
    return review


def keep_for_trainers(recording_id: int, version: int | None, staff: StaffUser) -> Review:
    """Keep a recording for trainers only: never played on the line."""
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        before = _set_decision(review, Review.TRAINERS_ONLY, staff)
        AuditEntry.record(staff, "keep_for_trainers", review, before, _review_state(review))
    _retire_story(review)
    return review


def mark_question(recording_id: int, version: int | None, staff: StaffUser, topic_id: int | None) -> Review:
    """Send a recording to the help desk, into the expert queue of its topic."""
    review = _guarded(recording_id, version)
    with _conflicts(recording_id):
        helpdesk.route_question(review.recording, topic_id, staff)
        before = _set_decision(review, Review.QUESTION, staff)
        AuditEntry.record(staff, "mark_question", review, before, _review_state(review))
    _retire_story(review)
    return review


def save_transcript_text(recording_id: int, version: int | None, staff: StaffUser, new_text: str) -> Review:
    """A curator's correction of the transcript (kept when the recording is transcribed again)."""
    review = _guarded(recording_id, version)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if transcript is None:
        raise ReviewError("this recording has no transcript yet")
    before, new_text = transcript.text, " ".join((new_text or "").split())
    with _conflicts(recording_id):
        transcript.text, review.text_edited_at = new_text, utcnow()
        AuditEntry.record(staff, "edit_transcript", transcript, {"text": before}, {"text": new_text})
    return review


def approve_story(
    recording_id: int,
    version: int | None,
    staff: StaffUser,
    title: str,
    topic_ids: list[int],
    cuts: dict | None = None,
    name_spoken: bool = False,
) -> Review:
    """Publish a recording as a peer story: topics confirmed, cuts applied, the name only if consented.

    The decision is claimed first (so a second curator gets a conflict, not a second publication);
    if the audio cannot be published the claim is undone and the reason raised.
    """
    review = _guarded(recording_id, version)
    recording = review.recording
    if recording.consent == Recording.TRAINERS_ONLY:
        raise ReviewError("the caller agreed to share this recording with trainers only")
    with _conflicts(recording_id):
        before = _set_decision(review, Review.APPROVED, staff)
    try:
        lesson = _publish(recording, title, topic_ids, cuts, name_spoken)
    except audio_services.LibraryError as error:
        db.session.rollback()
        review.status, review.reason = before["status"], ""
        db.session.commit()
        raise ReviewError(str(error)) from error
    for topic_id in topic_ids:
        accept_tag(recording.id, topic_id, staff)
    review.lesson_id, review.published_at = lesson.id, lesson.published_at
    after = {**_review_state(review), "topics": topic_ids, "cuts": cuts or {}, "title": title}
    AuditEntry.record(staff, "approve_story", review, before, after)
    db.session.commit()
    recognition.story_published(lesson.id)
    return review


def _publish(recording: Recording, title: str, topic_ids: list[int], cuts, name_spoken: bool) -> Lesson:
    contact = recording.contact
    named = name_spoken and recording.consent == Recording.NAMED and contact is not None
    return audio_services.publish_story_from_recording(
        recording.id,
        title,
        recording.language_code or "hi",
        topic_id=topic_ids[0] if topic_ids else None,
        cuts=cuts,
        contributor_name=contact.name if named else "",
    )


def audited_tag_change(recording_id: int, topic_id: int, action: str, staff: StaffUser) -> list[TopicTag]:
    """Accept, reject or add a topic tag, with an audit entry."""
    before = {t.source: t.status for t in _tags(recording_id) if t.topic_id == topic_id}
    change = {"accept": accept_tag, "reject": reject_tag, "add": accept_tag}[action]
    tags = change(recording_id, topic_id, staff)
    after = {t.source: t.status for t in tags}
    review = review_for(recording_id)
    AuditEntry.record(
        staff, f"tag_{action}", review, {"topic_id": topic_id, **before}, {"topic_id": topic_id, **after}
    )
    db.session.commit()
    return tags


def save_notes(recording_id: int, staff: StaffUser, notes: str) -> Transcript:
    """Save a curator's searchable notes, with an audit entry."""
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording_id))
    if transcript is None:
        raise ReviewError("this recording has no transcript yet")
    before = transcript.notes
    AuditEntry.record(staff, "edit_notes", transcript, {"notes": before}, {"notes": notes.strip()})
    return set_notes(transcript.id, notes)


# --- what the review page shows about a caller ---


def caller_context(recording: Recording) -> dict:
    """Who recorded it: role, place, language and their earlier contributions with decisions."""
    contact = recording.contact
    if contact is None:
        return {"contact": None, "earlier": []}
    earlier = db.session.execute(
        select(Recording, REVIEW_STATUS)
        .outerjoin(Review, Review.recording_id == Recording.id)
        .where(Recording.contact_id == contact.id, Recording.id != recording.id)
        .order_by(Recording.created_at.desc())
        .limit(20)
    ).all()
    return {"contact": contact, "earlier": [tuple(row) for row in earlier]}


# --- the audit log and time-to-share ---


def audit_log(
    limit: int = 200, object_type: str | None = None, object_id: int | None = None
) -> list[AuditEntry]:
    """The newest audit entries (optionally about one object)."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(query.limit(limit)))


@dataclass(frozen=True)
class ShareTimes:
    """How long recordings took from the call to publication, in hours."""

    label: str
    count: int
    median_hours: float | None
    p90_hours: float | None
    longest_hours: float | None


def time_to_share(since: datetime | None = None) -> list[ShareTimes]:
    """Call-to-publication time of published stories: overall, per curator, per caller's district."""
    query = (
        select(Review.published_at, Recording.created_at, StaffUser.name, StaffUser.username, District.name)
        .join(Recording, Recording.id == Review.recording_id)
        .outerjoin(StaffUser, StaffUser.id == Review.decided_by_id)
        .outerjoin(Contact, Contact.id == Recording.contact_id)
        .outerjoin(District, District.id == Contact.district_id)
        .where(Review.status == Review.APPROVED, Review.published_at.is_not(None))
    )
    if since is not None:
        query = query.where(Review.published_at >= since)
    groups: dict[str, list[float]] = {"Overall": []}
    for published, called, name, username, district in db.session.execute(query):
        hours = (_aware(published) - _aware(called)).total_seconds() / 3600
        for label in (
            "Overall",
            f"Curator: {name or username or 'former staff'}",
            f"District: {district or 'unknown'}",
        ):
            groups.setdefault(label, []).append(hours)
    return [_summary(label, sorted(values)) for label, values in sorted(groups.items(), key=_group_order)]


def _group_order(item: tuple[str, list]) -> tuple[int, str]:
    label = item[0]
    return (0 if label == "Overall" else 1 if label.startswith("Curator") else 2, label)


def share_time_hours(review: Review) -> float | None:
    """Hours from this recording's call to its publication, or None if not published."""
    if review.published_at is None:
        return None
    return (_aware(review.published_at) - _aware(review.recording.created_at)).total_seconds() / 3600


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _summary(label: str, hours: list[float]) -> ShareTimes:
    if not hours:
        return ShareTimes(label, 0, None, None, None)
    middle = len(hours) // 2
    median = hours[middle] if len(hours) % 2 else (hours[middle - 1] + hours[middle]) / 2
    p90 = hours[min(len(hours) - 1, int(round(0.9 * (len(hours) - 1))))]
    return ShareTimes(label, len(hours), round(median, 2), round(p90, 2), round(hours[-1], 2))


def waveform(recording: Recording, bars: int = 160) -> list[float]:
    """Peak levels (0..1) of the phone copy in `bars` slices, drawn on the review page; [] if unreadable."""
    try:
        with store.local_file(recording.playback_key) as path, wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                return []
            samples = array("h", wav.readframes(wav.getnframes()))
    except (store.StoreError, wave.Error, EOFError, OSError):
        return []
    step = max(1, -(-len(samples) // bars))
    peaks = [max(map(abs, samples[i : i + step])) for i in range(0, len(samples), step)]
    loudest = max(peaks, default=0) or 1
    return [round(peak / loudest, 3) for peak in peaks]
