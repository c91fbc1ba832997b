"""The starter library: every script checked, loading and rebuilding its audio idempotent."""

import csv
import re
import shutil

import pytest
from sqlalchemy import select

from audio import (
    playback,
    starter,
    store,
    typed,
)
from audio.models import Lesson, LessonSegment, LessonTrack
from core import seed
from core.db import db
from core.seed import SEED_DATA
from tests import snapshots

LANGUAGES = {"hi", "en"}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
LATIN = re.compile(r"[A-Za-z]")
SEGMENT_SECONDS = (8, 60)  # long enough to say something, short enough to skip or repeat
LESSON_SECONDS = (60, 120)


def topic_names() -> dict[str, tuple[str, str]]:
    with (SEED_DATA / "topics.csv").open(encoding="utf-8") as rows:
        return {row["slug"]: (row["name_en"], row["name_hi"]) for row in csv.DictReader(rows)}


def script_share(text: str, pattern: re.Pattern) -> float:
    letters = [c for c in text if c.isalpha() or DEVANAGARI.match(c)]
    return sum(1 for c in letters if pattern.match(c)) / max(1, len(letters))


LIBRARY = starter.scripts()


def test_the_library_has_at_least_ten_lessons_each_in_hindi_and_english():
    assert len(LIBRARY) >= 10
    for slug, languages in LIBRARY.items():
        assert set(languages) == LANGUAGES, slug


@pytest.mark.parametrize("slug", sorted(LIBRARY))
def test_every_script_has_titles_topic_level_and_segments_of_the_right_length(slug):
    hindi, english = LIBRARY[slug]["hi"], LIBRARY[slug]["en"]
    assert (hindi.topic, hindi.level) == (english.topic, english.level)
    name_en, name_hi = topic_names()[english.topic]  # the topic is named in both languages
    assert name_en and DEVANAGARI.search(name_hi)
    assert hindi.level in (1, 2, 3)
    for script, alphabet in ((hindi, DEVANAGARI), (english, LATIN)):
        assert script.title and script_share(script.title, alphabet) > 0.9, script.title
        assert script.segments and all(text.strip() for text in script.segments)
        for text in script.segments:
            assert script_share(text, alphabet) > 0.95, text[:40]
            seconds = typed.estimated_ms(text) / 1000
            assert SEGMENT_SECONDS[0] <= seconds <= SEGMENT_SECONDS[1], (slug, script.language, text[:40])
        total = sum(typed.estimated_ms(text) for text in script.segments) / 1000
        assert LESSON_SECONDS[0] <= total <= LESSON_SECONDS[1], (slug, script.language, total)


def test_the_programme_guidance_is_stated_as_the_mission_gives_it():
    english = {slug: " ".join(s["en"].segments) for slug, s in LIBRARY.items()}
    siting = english["02-twin-pit-siting"]
    assert "at least ten metres away" in siting and "at least one metre apart" in siting
    assert "honeycomb brickwork" in english["03-honeycomb-brickwork"]
    assert "at least one year" in english["04-switching-and-emptying"]
    hindi = " ".join(LIBRARY["02-twin-pit-siting"]["hi"].segments)
    assert "कम से कम दस मीटर दूर" in hindi and "कम से कम एक मीटर की दूरी" in hindi


def test_a_script_without_its_header_is_refused_by_name(tmp_path):
    (tmp_path / "01-x.en.txt").write_text("title: X\n\nWords.\n", encoding="utf-8")
    with pytest.raises(starter.ScriptError, match="01-x.en.txt"):
        starter.scripts(tmp_path)


def all_renderings() -> dict[int, tuple[str, int, int]]:
    segments = db.session.scalars(select(LessonSegment))
    return {s.id: (s.playback_key, s.start_ms, s.end_ms) for s in segments}


@pytest.fixture(scope="module")
def first_load(app, tmp_path_factory) -> tuple[starter.LoadReport, snapshots.Snapshot]:
    """The whole library loaded once into an empty line (its report, and the state it left)."""
    with app.app_context():
        seed.seed_reference()
        report = starter.load()
        saved = snapshots.save(tmp_path_factory.mktemp("starter"))
        snapshots.clear()
    return report, saved


@pytest.fixture
def loaded(first_load) -> starter.LoadReport:
    """The line as the first load of the whole library left it; the first load's report."""
    report, saved = first_load
    snapshots.restore(saved)
    return report


def test_loading_renders_every_lesson_once_and_a_second_run_changes_nothing(loaded):
    segments = sum(len(script.segments) for languages in LIBRARY.values() for script in languages.values())
    assert (loaded.created, loaded.rendered) == (len(LIBRARY), segments)
    before = all_renderings()
    files = sorted(store.keys("lessons/"))
    second = starter.load()
    assert (second.created, second.updated, second.rendered) == (0, 0, 0)
    assert all_renderings() == before and sorted(store.keys("lessons/")) == files
    for track in db.session.scalars(select(LessonTrack)):
        assert track.synthetic  # marked as a synthetic voice until a curator records it
        assert LESSON_SECONDS[0] <= track.duration_seconds <= LESSON_SECONDS[1], track.title
        assert all(store.exists(segment.playback_key) for segment in track.segments)
    lessons = db.session.scalars(select(Lesson)).all()
    assert {lesson.status for lesson in lessons} == {Lesson.PUBLISHED}
    assert all(lesson.topic_id and lesson.starter_slug for lesson in lessons)


def test_a_corrected_script_rerenders_only_what_changed_and_recorded_audio_stays(app, tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    for path in (*starter.LIBRARY.glob("01-*.txt"), *starter.LIBRARY.glob("07-*.txt")):
        shutil.copy(path, folder)
    starter.load(folder=folder)
    path = folder / "07-handwashing.en.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("twenty seconds", "20 seconds"), encoding="utf-8"
    )
    recorded = db.session.scalar(
        select(LessonTrack).filter_by(language_code="hi", title=LIBRARY["01-twin-pit-basics"]["hi"].title)
    )
    recorded.original_key = "lessons/x/hi/original-abc.wav"  # as if a curator had attached a recording
    db.session.commit()
    report = starter.load(folder=folder)
    assert (report.updated, report.rendered) == (1, 1)
    assert report.kept_recorded == ["01-twin-pit-basics.hi"]


@pytest.mark.usefixtures("loaded")
def test_typed_words_are_said_in_production_and_played_offline_in_the_sandbox(app):
    lesson = db.session.scalar(select(Lesson).filter_by(starter_slug="07-handwashing"))
    said = playback.lesson_playlist(lesson.id, "hi")
    assert said[0].voice == "Google.hi-IN-Standard-A" and "/media/lessons/" in said[0].url  # rendering kept
    assert said[0].text == LIBRARY["07-handwashing"]["hi"].segments[0]
    app.config["TTS_OFFLINE"] = "on"
    try:
        played = playback.lesson_playlist(lesson.id, "hi")
    finally:
        app.config["TTS_OFFLINE"] = "auto"
    assert played[0].text == "" and "/media/lessons/" in played[0].url
    assert len(played) == len(said) == len(LIBRARY["07-handwashing"]["hi"].segments)
