"""The lesson library's pages in Hindi: no English word left but the staff's own titles and words."""

from audio import lesson_library, prompt_audio, typed
from core.db import db
from core.i18n import COOKIE
from core.models import Topic
from tests.helpers import csrf_token, english_left

TITLE = "Twin pits"
# Words staff typed for callers to hear are content, not interface: they stay as typed.
SCRIPT = "Dig two pits one metre apart."
PROMPT_ID = "welcome"  # a prompt's id, typed by staff as the phone menu names it


def library_with_lessons(audio_files) -> tuple[int, int]:
    """A recorded draft lesson on a topic, a typed (synthetic) one, and a recorded prompt."""
    topic = db.session.scalar(db.select(Topic).order_by(Topic.position))
    with audio_files.speech_wav.open("rb") as stream:
        recorded = lesson_library.create_lesson(TITLE, "hi", topic.id, stream, "speech.wav")
    spoken = typed.create_typed_lesson(TITLE, "en", None, SCRIPT)
    lesson_library.set_lesson_status(spoken.id, "published")
    with audio_files.speech_wav.open("rb") as stream:
        prompt_audio.save_prompt_audio(PROMPT_ID, "hi", stream, "speech.wav")
    return recorded.id, spoken.id


def test_every_lesson_library_page_is_in_hindi(client, login, audio_files):
    curator = login("curator")
    recorded, spoken = library_with_lessons(audio_files)
    client.set_cookie(COOKIE, "hi")
    names = (curator.username, TITLE, SCRIPT, PROMPT_ID)
    pages = (
        "/audio/",
        "/audio/?status=published",
        "/audio/?status=retired",
        f"/audio/lessons/{recorded}",
        f"/audio/lessons/{spoken}",
        "/audio/lessons/new",
        "/audio/lessons/type",
        "/audio/prompts",
    )
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, names) == set(), path


def test_refusals_and_confirmations_of_the_library_are_in_hindi(client, login, audio_files):
    curator = login("curator")
    recorded, _ = library_with_lessons(audio_files)
    client.set_cookie(COOKIE, "hi")
    names = (curator.username, TITLE, PROMPT_ID)
    token = csrf_token(client, "/audio/")
    refusals = (
        ("/audio/lessons/new", {"title": "", "language_code": "hi"}),
        ("/audio/lessons/type", {"title": "", "language_code": "hi", "script": ""}),
        ("/audio/lessons/type", {"title": TITLE, "language_code": "hi", "script": ""}),
        ("/audio/prompts", {"prompt_id": "Not An Id", "language_code": "hi"}),
    )
    for path, form in refusals:
        page = client.post(path, data={**form, "csrf_token": token}, follow_redirects=True)
        assert "flash error" in page.get_data(as_text=True), path
        assert english_left(page.get_data(as_text=True), names) == set(), path
    track = db.session.get(lesson_library.Lesson, recorded).tracks[0]
    lesson_page = f"/audio/tracks/{track.id}"
    actions = (
        (f"{lesson_page}/edits", {"start": "soon"}),
        (f"{lesson_page}/segments", {"cuts": "later"}),
        (f"{lesson_page}/segments", {"cuts": "9999"}),
        (f"/audio/lessons/{recorded}/status", {"status": "retired"}),
        (f"/audio/lessons/{recorded}/status", {"status": "draft"}),
    )
    for path, form in actions:
        page = client.post(path, data={**form, "csrf_token": token}, follow_redirects=True)
        assert "flash" in page.get_data(as_text=True), path
        assert english_left(page.get_data(as_text=True), names) == set(), path
