"""The topic lexicon as data admins edit: shipped keywords, additions, and suggestions from transcripts."""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.db import db
from core.models import Topic
from transcription import tagging
from transcription.models import TopicKeyword, TopicTag, Transcript

LEXICON_CSV = Path(__file__).parent / "seed_data" / "lexicon.csv"


def seed(demo: bool = False) -> None:
    """Load the shipped keyword topic_tags.lexicon: rows not there yet are added, edited rows are left alone."""
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
    entry.weight = weight
    entry.active = True
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
    """What curators' decisions say about the topic_tags.lexicon: words worth adding, keywords that mislead."""
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
