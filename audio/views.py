"""Audio pages: signed media for Twilio, audio for staff, and the lesson library."""

import io
import mimetypes
import time
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext, lazy_gettext

from audio import (
    lesson_library,
    playback,
    prompt_audio,
    store,
    typed,
)
from audio.models import Lesson, LessonTrack
from core import params
from core.auth import role_required
from core.db import db
from core.params import whole_number

bp = Blueprint(
    "audio", __name__, template_folder="templates", static_folder="static", static_url_path="/audio/static"
)
CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".webm": "audio/webm",
    ".amr": "audio/amr",
    ".flac": "audio/flac",
}
# A lesson's status as staff read it, in the page's language.
STATUS_NAMES = {
    Lesson.DRAFT: lazy_gettext("draft"),
    Lesson.PUBLISHED: lazy_gettext("published"),
    Lesson.RETIRED: lazy_gettext("retired"),
}
STAFF_CACHE_SECONDS = 300
TWILIO_CACHE_SECONDS = 24 * 3600


@bp.app_template_global()
def lesson_status_name(status: str) -> str:
    """A lesson status (draft, published, retired) in the page's language."""
    return str(STATUS_NAMES.get(status, status))


@bp.route("/media/<path:key>")
def media(key: str):
    """Audio for Twilio's <Play>: no login, but an HMAC-signed, expiring URL."""
    expires, signature = request.args.get("e", ""), request.args.get("s", "")
    if not playback.media_signature_is_valid(key, expires, signature):
        abort(403)
    remaining = max(0, int(expires) - int(time.time()))
    return send_media(key, f"public, max-age={min(remaining, TWILIO_CACHE_SECONDS)}")


@bp.route("/audio/files/<path:key>")
@role_required("curator")
def staff_file(key: str):
    """Audio for staff pages, behind login and role."""
    if not playback.staff_may_hear(key):
        abort(404)
    return send_media(key, f"private, max-age={STAFF_CACHE_SECONDS}")


def send_media(key: str, cache_control: str):
    """The stored bytes with their content type and caching headers; 404 if missing or malformed."""
    try:
        path = store.local_path(key)
        if path is None and not store.exists(key):
            abort(404)
    except store.StoreError:
        abort(404)
    mimetype = CONTENT_TYPES.get(Path(key).suffix.lower()) or mimetypes.guess_type(key)[0]
    if path is not None:
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype or "application/octet-stream", conditional=True)
    else:
        data = store.read_bytes(key)
        response = send_file(io.BytesIO(data), mimetype=mimetype, conditional=True, etag=key)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/audio/")
@role_required("curator")
def library():
    status = request.args.get("status") or None
    lessons = lesson_library.library_lessons(status)
    return render_template("audio/library.html", lessons=lessons, status=status, statuses=Lesson)


@bp.route("/audio/lessons/new", methods=["GET", "POST"])
@role_required("curator")
def new_lesson():
    languages, topics = lesson_library.form_choices()
    if request.method == "GET":
        return render_template("audio/lesson_new.html", languages=languages, topics=topics, form={})
    form = request.form
    try:
        lesson = lesson_library.create_lesson(
            form.get("title", ""),
            form.get("language_code", ""),
            whole_number(form.get("topic_id")),
            *_upload(),
            level=whole_number(form.get("level")) or 1,
        )
    except lesson_library.LibraryError as error:
        flash(str(error), "error")
        page = render_template("audio/lesson_new.html", languages=languages, topics=topics, form=form)
        return page, 400
    flash(gettext("Lesson saved as a draft. Listen to it, adjust the parts, then publish."), "info")
    return redirect(url_for("audio.lesson", lesson_id=lesson.id))


@bp.route("/audio/lessons/type", methods=["GET", "POST"])
@role_required("curator")
def type_lesson():
    """A lesson typed in the browser, spoken by a synthetic voice: no studio needed for urgent advice."""
    languages, topics = lesson_library.form_choices()
    if request.method == "GET":
        return render_template("audio/lesson_type.html", languages=languages, topics=topics, form={})
    form = request.form
    try:
        lesson = typed.create_typed_lesson(
            form.get("title", ""),
            form.get("language_code", ""),
            whole_number(form.get("topic_id")),
            form.get("script", ""),
            level=whole_number(form.get("level")) or 1,
        )
        if form.get("publish"):
            lesson_library.set_lesson_status(lesson.id, Lesson.PUBLISHED)
    except lesson_library.LibraryError as error:
        flash(str(error), "error")
        page = render_template("audio/lesson_type.html", languages=languages, topics=topics, form=form)
        return page, 400
    flash(gettext("Lesson saved."), "info")
    return redirect(url_for("audio.lesson", lesson_id=lesson.id))


@bp.route("/audio/lessons/<int:lesson_id>/script", methods=["POST"])
@role_required("curator")
def save_script(lesson_id: int):
    """Type (or retype) a lesson's words in one language; they replace that language's audio."""
    lesson, form = db.get_or_404(Lesson, lesson_id), request.form
    _run(
        typed.save_typed_track,
        lesson,
        form.get("language_code", ""),
        form.get("title", ""),
        form.get("script", ""),
    )
    return redirect(url_for("audio.lesson", lesson_id=lesson_id))


@bp.route("/audio/lessons/<int:lesson_id>")
@role_required("curator")
def lesson(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    languages, _ = lesson_library.form_choices()
    edits = {track.id: lesson_library.track_edits(track) for track in lesson.tracks}
    return render_template(
        "audio/lesson.html", lesson=lesson, languages=languages, statuses=Lesson, edits=edits
    )


@bp.route("/audio/lessons/<int:lesson_id>/status", methods=["POST"])
@role_required("curator")
def lesson_status(lesson_id: int):
    _run(lesson_library.set_lesson_status, lesson_id, request.form.get("status", ""))
    return redirect(url_for("audio.lesson", lesson_id=lesson_id))


@bp.route("/audio/lessons/<int:lesson_id>/tracks", methods=["POST"])
@role_required("curator")
def save_track(lesson_id: int):
    lesson, form = db.get_or_404(Lesson, lesson_id), request.form
    _run(lesson_library.save_track, lesson, form.get("language_code", ""), form.get("title", ""), *_upload())
    return redirect(url_for("audio.lesson", lesson_id=lesson_id))


@bp.route("/audio/tracks/<int:track_id>/edits", methods=["POST"])
@role_required("curator")
def edit_track(track_id: int):
    track = db.get_or_404(LessonTrack, track_id)
    try:
        edits = {
            "start_ms": params.milliseconds(request.form.get("start")),
            "end_ms": params.milliseconds(request.form.get("end")),
            "remove": params.time_spans(request.form.get("remove", "")),
        }
    except ValueError:
        flash(gettext("Times are seconds, like 12.5; removed spans look like 12.5-14, 30-31."), "error")
        return redirect(url_for("audio.lesson", lesson_id=track.lesson_id))
    _run(lesson_library.edit_track, track.id, edits)
    return redirect(url_for("audio.lesson", lesson_id=track.lesson_id))


@bp.route("/audio/tracks/<int:track_id>/segments", methods=["POST"])
@role_required("curator")
def track_segments(track_id: int):
    track = db.get_or_404(LessonTrack, track_id)
    try:
        parts = request.form.get("cuts", "").replace(";", ",").split(",")
        points = [params.milliseconds(part) for part in parts if part.strip()]
    except ValueError:
        flash(gettext("Cut points are seconds separated by commas, like 45, 88.5."), "error")
        return redirect(url_for("audio.lesson", lesson_id=track.lesson_id))
    _run(lesson_library.set_segment_boundaries, track.id, points)
    return redirect(url_for("audio.lesson", lesson_id=track.lesson_id))


@bp.route("/audio/prompts", methods=["GET", "POST"])
@role_required("curator")
def prompts():
    languages, _ = lesson_library.form_choices()
    form = request.form if request.method == "POST" else {}
    if form:
        prompt_id, language_code = form.get("prompt_id", ""), form.get("language_code", "")
        if _run(prompt_audio.save_prompt_audio, prompt_id, language_code, *_upload()):
            return redirect(url_for("audio.prompts"))
    return render_template(
        "audio/prompts.html", prompts=prompt_audio.prompt_audio_list(), languages=languages, form=form
    )


def _run(action, *args) -> bool:
    """Run a library action; its refusal becomes a flash message the person can act on."""
    try:
        action(*args)
    except lesson_library.LibraryError as error:
        flash(str(error), "error")
        return False
    flash(gettext("Saved."), "info")
    return True


def _upload() -> tuple:
    """The uploaded (or browser-recorded) audio as (stream, filename); an empty one if none came."""
    upload = request.files.get("audio")
    return (upload.stream, upload.filename) if upload else (io.BytesIO(), "")
