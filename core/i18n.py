"""The staff workspace's language: Hindi or English, chosen by the person or their browser."""

from pathlib import Path

from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask_babel import Babel, get_locale

from core.auth import safe_next_url

# The interface languages, each named in its own script so anyone can find theirs.
LANGUAGES = {"hi": "हिन्दी", "en": "English"}
COOKIE = "chaupal_language"
# A year: the choice is the person's, it should outlive their session and survive logging out.
COOKIE_SECONDS = 365 * 24 * 3600

babel = Babel()
bp = Blueprint("language", __name__)


def init_app(app: Flask) -> None:
    """Pick each request's language and give templates the switch's choices."""
    babel.init_app(app, locale_selector=choose_language, default_translation_directories="translations")
    app.register_blueprint(bp)
    app.jinja_env.globals["interface_languages"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language


def add_catalogue(app: Flask, package_folder: Path) -> None:
    """Load a package's own Hindi catalogue (<package>/translations) beside core's.

    Each package keeps the words of its own pages, so two people translating two packages never
    edit one file; Flask-Babel merges the catalogues of every listed folder.
    """
    folders = app.extensions["babel"].translation_directories
    folder = str(package_folder / "translations")
    if folder not in folders:
        folders.append(folder)


def choose_language() -> str:
    """The person's saved choice, else the browser's preference, else English (jobs, commands)."""
    if not has_request_context():
        return "en"
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def current_language() -> str:
    """The language code of this request's pages (for lang attributes, never shown)."""
    return str(get_locale() or "en")


@bp.post("/language")
def switch():
    """Remember the chosen language and go back to the page the switch was on."""
    chosen = request.form.get("language", "")
    response = redirect(safe_next_url(request.form.get("next")) or url_for("home"))
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response
