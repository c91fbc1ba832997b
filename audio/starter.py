"""The starter library: lessons whose scripts ship in the repo, one file per lesson and language.

`starter_library/<nn>-<slug>.<language>.txt` holds a header (title, topic slug, level), a blank line,
then the segments, separated by blank lines. Reviewers correct the files; `chaupal lessons starter`
loads them and rebuilds their offline audio, changing only what changed. The lessons are typed lessons
(a synthetic voice speaks them) until a curator attaches recorded audio, which loading then leaves alone.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from audio import typed
from audio.models import Lesson, LessonTrack
from core.db import db, utcnow
from core.models import Topic

LIBRARY = Path(__file__).parent / "starter_library"
HEADER_FIELDS = ("title", "topic", "level")


class ScriptError(ValueError):
    """A script file cannot be read; the message names the file."""


@dataclass(frozen=True)
class Script:
    slug: str
    language: str
    title: str
    topic: str
    level: int
    segments: tuple[str, ...]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    rendered: int = 0
    kept_recorded: list[str] = field(default_factory=list)

    def line(self) -> str:
        kept = (
            f", {len(self.kept_recorded)} track(s) with recorded audio left alone"
            if self.kept_recorded
            else ""
        )
        return (
            f"Starter library: {self.created} lesson(s) added, {self.updated} track(s) changed, "
            f"{self.rendered} segment(s) rendered{kept}."
        )


def read_script(path: Path) -> Script:
    """Parse one script file."""
    slug, _, language = path.name.removesuffix(".txt").rpartition(".")
    header, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    fields = {}
    for line in header.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    missing = [name for name in HEADER_FIELDS if not fields.get(name)]
    if missing or not slug or not fields.get("level", "").isdigit():
        raise ScriptError(f"{path.name}: the header needs title, topic and a numeric level")
    segments = tuple(typed.split_script(body))
    return Script(slug, language, fields["title"], fields["topic"], int(fields["level"]), segments)


def scripts(folder: Path = LIBRARY) -> dict[str, dict[str, Script]]:
    """Every script in the library: {lesson slug: {language: script}}, in file order."""
    library: dict[str, dict[str, Script]] = {}
    for path in sorted(folder.glob("*.txt")):
        script = read_script(path)
        library.setdefault(script.slug, {})[script.language] = script
    return library


def load(publish: bool = True, folder: Path = LIBRARY) -> LoadReport:
    """Add or refresh every starter lesson and render its audio; running it again changes nothing."""
    report = LoadReport()
    topics = {topic.slug: topic.id for topic in db.session.scalars(select(Topic))}
    for position, (slug, languages) in enumerate(scripts(folder).items()):
        lesson = _lesson(slug, position, report)
        first = next(iter(languages.values()))
        lesson.topic_id = topics.get(first.topic)
        lesson.level = first.level
        for script in languages.values():
            _load_track(lesson, script, report)
        if publish and lesson.published_at is None:
            lesson.status = Lesson.PUBLISHED
            lesson.published_at = utcnow()
        db.session.commit()
    return report


def _lesson(slug: str, position: int, report: LoadReport) -> Lesson:
    lesson = db.session.scalar(select(Lesson).filter_by(starter_slug=slug))
    if lesson is None:
        lesson = Lesson(kind=Lesson.LESSON, starter_slug=slug, position=position, status=Lesson.DRAFT)
        db.session.add(lesson)
        db.session.flush()
        report.created += 1
    return lesson


def _load_track(lesson: Lesson, script: Script, report: LoadReport) -> None:
    query = select(LessonTrack).filter_by(lesson_id=lesson.id, language_code=script.language)
    track = db.session.scalar(query)
    if track is not None and track.original_key:  # a curator's recording replaced the synthetic voice
        report.kept_recorded.append(f"{script.slug}.{script.language}")
        return
    track = track or LessonTrack(lesson=lesson, language_code=script.language, title=script.title)
    words = "\n\n".join(script.segments)
    if track.id is None or track.title != script.title or track.script != words:
        report.updated += 1
    track.title = script.title
    track.script = words
    db.session.add(track)
    db.session.flush()
    typed.set_segments(track, list(script.segments))
    report.rendered += typed.render(track)
