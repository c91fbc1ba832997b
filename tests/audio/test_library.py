"""The lesson library: uploads, segments, cuts, status, stories and prompt audio."""

import io
import wave

import pytest
from pydub import AudioSegment

from audio import (
    convert,
    lesson_library,
    playback,
    prompt_audio,
    recording_pipeline,
    starter,
    store,
    typed,
)
from audio.models import Lesson, LessonSegment, LessonTrack, PromptAudio, Recording
from core.db import db
from core.models import Topic
from tests.helpers import csrf_token


def upload(path, title="Twin pits", language="hi", topic_id=None):
    with path.open("rb") as stream:
        return lesson_library.create_lesson(title, language, topic_id, stream, path.name)


def phone_format(key):
    with store.local_file(key) as path, wave.open(str(path)) as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


def ready_recording(audio_files, consent=Recording.NAMED):
    recording = Recording(recording_sid="RE" + "c" * 32, status=Recording.PENDING, consent=consent)
    db.session.add(recording)
    db.session.commit()
    store.write_file(recording_pipeline.recording_key(recording.id, "original"), audio_files.speech_wav)
    recording.original_key = recording_pipeline.recording_key(recording.id, "original")
    db.session.commit()
    return recording_pipeline.process_recording(recording)


@pytest.mark.parametrize("name", ["speech_wav", "speech_mp3", "speech_ogg", "speech_m4a", "speech_webm"])
def test_upload_in_any_common_format_makes_a_draft_with_a_phone_copy(app, audio_files, name):
    source = getattr(audio_files, name)
    lesson = upload(source)
    track = lesson.tracks[0]
    assert lesson.status == Lesson.DRAFT and track.title == "Twin pits"
    assert store.read_bytes(track.original_key) == source.read_bytes()
    assert phone_format(track.playback_key) == (8000, 1, 2)
    assert [s.position for s in track.segments] == [1]
    assert 2.5 < track.duration_seconds < 5


def test_phone_copy_is_trimmed_and_loudness_normalised(app, audio_files):
    quiet = convert.decode(audio_files.speech_wav, 60).audio.apply_gain(-20)
    pause = AudioSegment.silent(2000, frame_rate=8000)
    padded = pause + quiet + pause
    phone = convert.phone_copy(convert.trim_silence(padded))
    assert len(phone) < len(padded) - 3500
    speech_level = convert.speech_level(phone)
    assert convert.speech_level(quiet) < convert.TARGET_DBFS - 10
    at_target = abs(speech_level - convert.TARGET_DBFS) < 1
    at_ceiling = abs(phone.max_dBFS - convert.PEAK_CEILING_DBFS) < 0.5  # louder would clip
    assert at_target or at_ceiling, (speech_level, phone.max_dBFS)
    assert speech_level > -30 and phone.max_dBFS <= convert.PEAK_CEILING_DBFS + 0.1


def test_long_lesson_is_cut_at_pauses_into_parts_of_at_most_90_seconds(app, audio_files):
    track = upload(audio_files.long_speech_wav).tracks[0]
    assert len(track.segments) >= 2
    assert all(s.end_ms - s.start_ms <= lesson_library.SEGMENT_MAX_MS for s in track.segments)
    assert track.segments[-1].end_ms == round(track.duration_seconds * 1000)
    with store.local_file(track.playback_key) as path:
        phone = convert.decode(path, 600).audio
    for segment in track.segments[1:]:
        around = phone[segment.start_ms - 100 : segment.start_ms + 100]
        assert convert.is_silent(around), f"cut at {segment.start_ms} ms is not in a pause"


def test_segments_can_be_adjusted_by_hand(app, audio_files):
    track = upload(audio_files.long_speech_wav).tracks[0]
    length = round(track.duration_seconds * 1000)
    old_keys = {s.playback_key for s in track.segments}
    lesson_library.set_segment_boundaries(track.id, [50_000, 100_000])
    bounds = [(s.start_ms, s.end_ms) for s in track.segments]
    assert bounds == [(0, 50_000), (50_000, 100_000), (100_000, length)]
    assert not any(store.exists(key) for key in old_keys - {s.playback_key for s in track.segments})
    with pytest.raises(lesson_library.LibraryError, match="longer than 90 s"):
        lesson_library.set_segment_boundaries(track.id, [length - 1000])
    with pytest.raises(lesson_library.LibraryError, match="inside the track"):
        lesson_library.set_segment_boundaries(track.id, [50_000, length + 5])


def test_cuts_are_non_destructive(app, audio_files):
    track = upload(audio_files.long_speech_wav).tracks[0]
    original, full = store.read_bytes(track.original_key), track.duration_seconds
    lesson_library.edit_track(track.id, {"start_ms": 10_000, "end_ms": 70_000, "remove": [[20_000, 30_000]]})
    assert track.duration_seconds == pytest.approx(50, abs=1.5)
    assert all(s.end_ms - s.start_ms <= lesson_library.SEGMENT_MAX_MS for s in track.segments)
    lesson_library.edit_track(track.id, {})
    assert track.duration_seconds == pytest.approx(full, abs=0.05)
    assert store.read_bytes(track.original_key) == original


def test_bad_cuts_are_refused_and_change_nothing(app, audio_files):
    track = upload(audio_files.speech_wav).tracks[0]
    before = track.playback_key
    with pytest.raises(lesson_library.LibraryError):
        lesson_library.edit_track(track.id, {"start_ms": 3000, "end_ms": 1000})
    with pytest.raises(lesson_library.LibraryError, match="less than a second"):
        lesson_library.edit_track(track.id, {"start_ms": 0, "end_ms": 500})
    db.session.expire_all()
    assert db.session.get(LessonTrack, track.id).playback_key == before


@pytest.mark.parametrize(
    ("name", "message"),
    [("png_as_wav", "not audio"), ("silence_wav", "silent"), ("zero_bytes_wav", "empty")],
)
def test_unusable_uploads_are_refused_with_a_reason_and_nothing_kept(app, audio_files, name, message):
    with pytest.raises(lesson_library.LibraryError, match=message):
        upload(getattr(audio_files, name))
    assert db.session.scalars(db.select(Lesson)).all() == [] and store.keys("lessons/") == []


def test_uploads_over_the_size_cap_or_of_unknown_kinds_are_refused(app, monkeypatch):
    monkeypatch.setattr(lesson_library, "UPLOAD_MAX_BYTES", 1000)
    with pytest.raises(lesson_library.LibraryError, match="larger than"):
        lesson_library.create_lesson("t", "hi", None, io.BytesIO(b"x" * 2000), "big.mp3")
    with pytest.raises(lesson_library.LibraryError, match="not an audio file"):
        lesson_library.create_lesson("t", "hi", None, io.BytesIO(b"x"), "notes.pdf")


def test_publish_then_retire_removes_it_from_menus_and_playlists_at_once(app, audio_files):
    topic = db.session.scalar(db.select(Topic).filter_by(slug="twin-pit"))
    lesson = upload(audio_files.speech_wav, topic_id=topic.id)
    assert playback.published_lessons("hi", topic.id) == []
    assert playback.lesson_playlist(lesson.id, "hi") == []
    lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    assert [item[0].id for item in playback.published_lessons("hi", topic.id)] == [lesson.id]
    playlist = playback.lesson_playlist(lesson.id, "hi")
    assert len(playlist) == 1 and "/media/lessons/" in playlist[0].url
    lesson_library.set_lesson_status(lesson.id, Lesson.RETIRED)
    assert playback.published_lessons("hi", topic.id) == []
    assert playback.lesson_playlist(lesson.id, "hi") == []


def test_the_lines_kept_copies_hear_a_publication_and_a_retirement_in_this_process_at_once(app, audio_files):
    topic = db.session.scalar(db.select(Topic).filter_by(slug="twin-pit"))
    lesson = upload(audio_files.speech_wav, title="Twin pits", topic_id=topic.id)
    assert playback.published_copies("hi", topic.id) == []  # kept now, and dropped by the next write
    lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    copies = playback.published_copies("hi", topic.id)
    assert [(copy.id, copy.topic_id, copy.kind, copy.title) for copy in copies] == [
        (lesson.id, topic.id, Lesson.LESSON, "Twin pits")
    ]
    lesson_library.set_lesson_status(lesson.id, Lesson.RETIRED)
    assert playback.published_copies("hi") == []


def test_titles_per_language(app, audio_files):
    lesson = upload(audio_files.hindi_wav, title="हाथ धोना")
    with audio_files.speech_wav.open("rb") as stream:
        lesson_library.save_track(lesson, "en", "Handwashing", stream, "speech.wav")
    lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    assert [t.title for _, t in playback.published_lessons("hi")] == ["हाथ धोना"]
    assert [t.title for _, t in playback.published_lessons("en")] == ["Handwashing"]


def test_story_from_a_recording_is_published_with_cuts(app, audio_files):
    recording = ready_recording(audio_files)
    lesson = lesson_library.publish_story_from_recording(
        recording.id, "Pit distance", "hi", cuts={"start_ms": 500, "end_ms": 3000}, contributor_name="Ramesh"
    )
    assert (lesson.kind, lesson.status, lesson.contributor_name) == (Lesson.STORY, Lesson.PUBLISHED, "Ramesh")
    assert lesson.tracks[0].duration_seconds < 2.6
    assert [lesson.id] == [item[0].id for item in playback.published_lessons("hi", kind=Lesson.STORY)]
    assert store.read_bytes(recording.original_key) == audio_files.speech_wav.read_bytes()
    again = lesson_library.publish_story_from_recording(recording.id, "Pit distance", "hi")
    assert again.id == lesson.id and again.tracks[0].duration_seconds > 2.6


def test_story_respects_consent(app, audio_files):
    anonymous = ready_recording(audio_files, consent=Recording.ANONYMOUS)
    story = lesson_library.publish_story_from_recording(
        anonymous.id, "Story", "hi", contributor_name="Ramesh"
    )
    assert story.contributor_name == ""
    db.session.delete(story)
    db.session.delete(anonymous)
    db.session.commit()
    private = ready_recording(audio_files, consent=Recording.TRAINERS_ONLY)
    with pytest.raises(lesson_library.LibraryError, match="trainers only"):
        lesson_library.publish_story_from_recording(private.id, "Story", "hi")


def test_prompt_audio_replaces_the_earlier_recording(app, audio_files):
    assert prompt_audio.prompt_audio_url("welcome", "hi") is None
    with audio_files.hindi_wav.open("rb") as stream:
        first = prompt_audio.save_prompt_audio("welcome", "hi", stream, "welcome.wav").playback_key
    with audio_files.speech_mp3.open("rb") as stream:
        prompt_audio.save_prompt_audio("welcome", "hi", stream, "welcome.mp3")
    prompt = db.session.scalar(db.select(PromptAudio).filter_by(prompt_id="welcome"))
    assert prompt.playback_key != first and not store.exists(first)
    assert phone_format(prompt.playback_key) == (8000, 1, 2)
    assert f"/media/{prompt.playback_key}?" in prompt_audio.prompt_audio_url("welcome", "hi")
    with pytest.raises(lesson_library.LibraryError, match="prompt.s name"):
        prompt_audio.save_prompt_audio("../x", "hi", io.BytesIO(b"x"), "x.wav")


def test_demo_seed_publishes_the_starter_library_in_hindi_and_english(app):
    assert lesson_library.seed(demo=True) == []
    lesson_library.seed(demo=True)  # a second run adds nothing
    lessons = len(starter.scripts())
    assert len(playback.published_lessons("hi")) == len(playback.published_lessons("en")) == lessons
    lesson, _ = playback.published_lessons("hi")[0]
    assert playback.lesson_playlist(lesson.id, "hi")


def test_demo_seed_names_a_rendering_failure_in_one_line(app, monkeypatch):
    def broken(text, voice, output):
        raise convert.ToolError("espeak-ng: no voice data")

    monkeypatch.setattr(convert, "synthesize", broken)
    assert lesson_library.seed(demo=True) == [
        "the starter lessons could not be rendered (espeak-ng: no voice data)"
    ]


def test_demo_seed_without_espeak_says_the_lessons_have_no_offline_audio(app, monkeypatch, caplog):
    monkeypatch.setattr(typed.shutil, "which", lambda name: None)
    assert lesson_library.seed(demo=True) == [
        "espeak-ng is not installed: the starter lessons have no offline audio (run scripts/setup)"
    ]
    assert "espeak-ng is not installed" in caplog.text
    assert all(not s.playback_key for s in db.session.scalars(db.select(LessonSegment)))


# --- the pages ---


def post_upload(client, path, **fields):
    with path.open("rb") as stream:
        token = csrf_token(client, "/audio/lessons/new")
        data = {"csrf_token": token, "audio": (stream, path.name), **fields}
        return client.post("/audio/lessons/new", data=data, content_type="multipart/form-data")


def test_curator_uploads_adjusts_and_publishes_through_the_pages(app, client, login, audio_files):
    login("curator")
    assert client.get("/audio/").status_code == 200
    response = post_upload(client, audio_files.long_speech_wav, title="Pits", language_code="hi", level="2")
    assert response.status_code == 302
    lesson = db.session.scalars(db.select(Lesson)).one()
    page = client.get(response.location).get_data(as_text=True)
    assert "Pits" in page and "/audio/files/lessons/" in page
    track = lesson.tracks[0]
    token = csrf_token(client, response.location)
    client.post(f"/audio/tracks/{track.id}/segments", data={"csrf_token": token, "cuts": "40, 85.5"})
    edits = {"csrf_token": token, "start": "1", "remove": "20-25"}
    client.post(f"/audio/tracks/{track.id}/edits", data=edits)
    client.post(f"/audio/lessons/{lesson.id}/status", data={"csrf_token": token, "status": "published"})
    db.session.expire_all()
    lesson = db.session.get(Lesson, lesson.id)
    assert lesson.status == Lesson.PUBLISHED and lesson.level == 2
    assert lesson_library.track_edits(lesson.tracks[0])["remove"] == [[20000, 25000]]
    listing = client.get("/audio/?status=published").get_data(as_text=True)
    assert "Pits" in listing and "published" in listing


def test_a_bad_upload_shows_the_reason(app, client, login, audio_files):
    login("curator")
    response = post_upload(client, audio_files.png_as_wav, title="x", language_code="hi")
    assert response.status_code == 400 and "not audio" in response.get_data(as_text=True)


def test_bad_cut_times_are_explained(app, client, login, audio_files):
    login("curator")
    track = upload(audio_files.speech_wav).tracks[0]
    token = csrf_token(client, f"/audio/lessons/{track.lesson_id}")
    response = client.post(
        f"/audio/tracks/{track.id}/edits", data={"csrf_token": token, "remove": "abc"}, follow_redirects=True
    )
    assert "Times are seconds" in response.get_data(as_text=True)


def test_prompt_page_uploads(app, client, login, audio_files):
    login("admin")
    with audio_files.hindi_wav.open("rb") as stream:
        data = {
            "csrf_token": csrf_token(client, "/audio/prompts"),
            "prompt_id": "main_menu",
            "language_code": "hi",
            "audio": (stream, "menu.wav"),
        }
        response = client.post("/audio/prompts", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and prompt_audio.prompt_audio_url("main_menu", "hi")
    assert "main_menu" in client.get("/audio/prompts").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/audio/", "/audio/lessons/new", "/audio/prompts"])
def test_officers_cannot_open_the_library(app, client, login, path):
    login("officer")
    assert client.get(path).status_code == 403
