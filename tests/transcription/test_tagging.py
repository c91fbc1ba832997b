"""Topic suggestions from transcript text (Hindi and English), call signals and curator decisions."""

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Topic
from tests.factories import make_staff
from tests.transcription_fixtures import make_ready_recording, silence_wav
from transcription import (
    keywords,
    tagging,
    topic_tags,
)
from transcription.models import TopicKeyword, TopicTag, Transcript


def topic(slug: str) -> int:
    return db.session.scalar(select(Topic.id).filter_by(slug=slug))


@pytest.fixture
def seeded_lexicon():
    keywords.seed()


def test_tokens_keep_devanagari_vowel_signs_and_drop_punctuation():
    assert tagging.tokens("गड्ढे, शौचालय! Twin-Pit?") == ["गड्ढे", "शौचालय", "twin", "pit"]


def test_phrases_and_prefixes_match_whole_words_only():
    words = tagging.tokens("we built twin pits; the pitch was rough")
    assert tagging.count_matches(words, "twin pit*") == 1
    assert tagging.count_matches(words, "pit") == 0
    assert tagging.count_matches(words, "pit*") == 2
    assert tagging.count_matches(tagging.tokens("दो गड्ढे वाला शौचालय"), "दो गड्ढे") == 1


def test_english_transcript_suggests_the_topics_it_talks_about(seeded_lexicon):
    text = "I told them to wash hands with soap and we built a twin pit toilet with a junction chamber"
    suggestions = tagging.keyword_suggestions(text, topic_tags.lexicon("en"))
    by_topic = {s.topic_id: s for s in suggestions}
    assert set(by_topic) >= {topic("twin-pit"), topic("handwashing")}
    assert suggestions[0].topic_id == topic("twin-pit")  # more and stronger evidence
    assert set(by_topic[topic("twin-pit")].keywords) >= {"twin pit*", "junction chamber"}
    assert all(s.source == TopicTag.ASR_KEYWORDS and 0 < s.score < 1 for s in suggestions)


def test_hindi_transcript_suggests_the_topics_it_talks_about(seeded_lexicon):
    text = "हमने गांव में सूखा और गीला कचरा अलग किया और कूड़ेदान रखवाए"
    suggestions = tagging.keyword_suggestions(text, topic_tags.lexicon("hi"))
    assert suggestions[0].topic_id == topic("solid-waste")
    assert {"सूखा और गीला", "कचरा", "कूड़ेदान"} <= set(suggestions[0].keywords)


def test_text_without_keywords_gets_no_keyword_suggestions(seeded_lexicon):
    assert tagging.keyword_suggestions("नमस्ते आज मौसम अच्छा है", topic_tags.lexicon("hi")) == []
    assert tagging.keyword_suggestions("", topic_tags.lexicon("en")) == []


def test_call_signals_add_menu_and_lesson_suggestions():
    lexicon = [tagging.Keyword(1, "soap")]
    suggestions = tagging.suggest("soap soap", lexicon, menu_topic_id=1, lesson_topic_id=2)
    sources = {(s.topic_id, s.source) for s in suggestions}
    assert sources == {(1, TopicTag.ASR_KEYWORDS), (1, TopicTag.MENU), (2, TopicTag.LESSON)}
    combined = tagging.combined_scores(suggestions)
    assert combined[1] > max(s.score for s in suggestions if s.topic_id == 1)
    assert combined[2] == tagging.LESSON_SCORE


def test_a_repeated_keyword_counts_for_less_than_a_new_one():
    one = tagging.keyword_suggestions("soap soap", [tagging.Keyword(1, "soap"), tagging.Keyword(1, "hands")])
    two = tagging.keyword_suggestions("soap hands", [tagging.Keyword(1, "soap"), tagging.Keyword(1, "hands")])
    assert 0 < one[0].score < two[0].score


def test_admins_edit_the_lexicon_as_data(seeded_lexicon):
    twin_pit = topic("twin-pit")
    entry = keywords.add_keyword(twin_pit, "hi", "  सोक  पिट* ", weight=1.5)
    assert entry.keyword == "सोक पिट*" and entry.source == TopicKeyword.ADMIN
    assert tagging.keyword_suggestions("सोक पिटों में", topic_tags.lexicon("hi"))[0].topic_id == twin_pit
    keywords.deactivate_keyword(entry.id)
    assert "सोक पिट*" not in {k.keyword for k in topic_tags.lexicon("hi")}
    with pytest.raises(ValueError, match="letter or digit"):
        keywords.add_keyword(twin_pit, "hi", " * ")
    with pytest.raises(LookupError):
        keywords.add_keyword(99999, "hi", "x")


def test_seeding_twice_keeps_admin_weights(seeded_lexicon):
    keyword = db.session.scalar(select(TopicKeyword).filter_by(keyword="soap", language_code="en"))
    keyword.weight = 3.0
    db.session.commit()
    count = db.session.query(TopicKeyword).count()
    keywords.seed()
    assert db.session.query(TopicKeyword).count() == count
    assert db.session.get(TopicKeyword, keyword.id).weight == 3.0


def transcribed(media_fixtures, words: str, language: str = "en"):
    """A ready recording with a transcript written directly (no speech recognition needed here)."""
    recording = make_ready_recording(silence_wav(media_fixtures), language_code=language)
    db.session.add(
        Transcript(recording_id=recording.id, status=Transcript.READY, text=words, language_code=language)
    )
    db.session.commit()
    return recording


def test_curator_additions_suggest_new_keywords(seeded_lexicon, media_fixtures):
    curator = make_staff("curator")
    behaviour = topic("behaviour-change")
    for words in ("hamare gaon mein nigrani samiti subah jaati hai", "nigrani samiti ne sabko samjhaya"):
        tag = topic_tags.add_tag(transcribed(media_fixtures, words).id, behaviour, curator)
        assert (tag.source, tag.status, tag.decided_by_id) == (
            TopicTag.CURATOR,
            TopicTag.ACCEPTED,
            curator.id,
        )
    suggestions = {(s.topic_id, s.keyword, s.action) for s in keywords.lexicon_suggestions("en")}
    assert (behaviour, "samiti", "add") in suggestions
    assert (behaviour, "nigrani", "add") not in suggestions  # already a keyword
    assert not any(word == "sabko" for _, word, _ in suggestions)  # heard once: not enough


def test_rejected_keyword_tags_suggest_reviewing_the_keyword(seeded_lexicon, media_fixtures):
    curator = make_staff("curator")
    construction = topic("toilet-construction")
    for words in ("the pan of rice was hot", "my pan is old"):
        recording = transcribed(media_fixtures, words)
        topic_tags.save_suggestions(recording, words)
        rejected = topic_tags.reject_tag(recording.id, construction, curator)
        assert [t.status for t in rejected] == [TopicTag.REJECTED]
    assert keywords.lexicon_suggestions("en") == [
        keywords.LexiconSuggestion(construction, "pan", "review", 2)
    ]


def test_accepting_a_topic_without_suggestion_adds_a_curator_tag(media_fixtures):
    curator = make_staff("curator")
    recording = transcribed(media_fixtures, "anything")
    tags = topic_tags.accept_tag(recording.id, topic("slippage"), curator)
    assert [(t.source, t.status) for t in tags] == [(TopicTag.CURATOR, TopicTag.ACCEPTED)]
    with pytest.raises(LookupError):
        topic_tags.add_tag(recording.id, 99999, curator)
