"""Topic suggestions from a transcript's words (a keyword lexicon) and from where the call was."""

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass

from transcription.models import TopicTag

MENU_SCORE = 0.6  # the caller chose this topic's menu before recording: likely, not certain
LESSON_SCORE = 0.7  # a question asked right after a lesson is usually about that lesson
MIN_KEYWORD_SCORE = 0.3
MAX_KEYWORD_TOPICS = 3
REPEAT_WEIGHT = 0.5  # a keyword said again adds evidence, but less than a new keyword


@dataclass(frozen=True)
class Keyword:
    topic_id: int
    keyword: str  # words separated by spaces; a trailing '*' matches any ending of the last word
    weight: float = 1.0


@dataclass(frozen=True)
class Suggestion:
    topic_id: int
    source: str
    score: float
    keywords: tuple[str, ...] = ()


def tokens(text: str) -> list[str]:
    """Lower-cased words; letters, marks and digits of any script (Devanagari vowel signs are marks)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text).split()


def count_matches(words: list[str], keyword: str) -> int:
    """How often a keyword (phrase, optional trailing '*') occurs in a word list."""
    parts = tokens(keyword.rstrip("*"))
    prefix = keyword.endswith("*")
    if not parts:
        return 0
    return sum(_matches_at(words, i, parts, prefix) for i in range(len(words) - len(parts) + 1))


def _matches_at(words: list[str], start: int, parts: list[str], prefix: bool) -> bool:
    *head, last = parts
    window = words[start : start + len(parts)]
    if window[:-1] != head:
        return False
    return window[-1].startswith(last) if prefix else window[-1] == last


def keyword_suggestions(text: str, lexicon: list[Keyword]) -> list[Suggestion]:
    """Topics whose keywords the transcript contains, best first, with the keywords that matched."""
    words = tokens(text)
    evidence: dict[int, Counter] = {}
    weights: dict[int, float] = {}
    for entry in lexicon:
        hits = count_matches(words, entry.keyword)
        if hits:
            evidence.setdefault(entry.topic_id, Counter())[entry.keyword] = hits
            weights[entry.topic_id] = weights.get(entry.topic_id, 0.0) + entry.weight * (
                1 + REPEAT_WEIGHT * (hits - 1)
            )
    suggestions = [
        Suggestion(
            topic, TopicTag.ASR_KEYWORDS, round(1 - math.exp(-weights[topic]), 3), tuple(sorted(found))
        )
        for topic, found in evidence.items()
    ]
    suggestions.sort(key=lambda s: (-s.score, s.topic_id))
    return [s for s in suggestions if s.score >= MIN_KEYWORD_SCORE][:MAX_KEYWORD_TOPICS]


def suggest(
    text: str, lexicon: list[Keyword], menu_topic_id: int | None = None, lesson_topic_id: int | None = None
) -> list[Suggestion]:
    """Every suggestion for a recording: transcript keywords plus the call's menu and lesson."""
    suggestions = keyword_suggestions(text, lexicon)
    if menu_topic_id is not None:
        suggestions.append(Suggestion(menu_topic_id, TopicTag.MENU, MENU_SCORE))
    if lesson_topic_id is not None:
        suggestions.append(Suggestion(lesson_topic_id, TopicTag.LESSON, LESSON_SCORE))
    return suggestions


def combined_scores(suggestions: list[Suggestion]) -> dict[int, float]:
    """One score per topic from independent pieces of evidence: 1 - product of (1 - score)."""
    doubt: dict[int, float] = {}
    for suggestion in suggestions:
        doubt[suggestion.topic_id] = doubt.get(suggestion.topic_id, 1.0) * (1 - suggestion.score)
    return {topic: round(1 - value, 3) for topic, value in doubt.items()}
