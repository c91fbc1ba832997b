"""Plain, translated words for the values staff see: roles and what went wrong."""

from flask import Flask, g
from flask_babel import get_locale, lazy_gettext
from sqlalchemy import select

from core.db import db
from core.models import Language, PlaceNames, Topic

ROLE_NAMES = {
    "admin": lazy_gettext("admin"),
    "curator": lazy_gettext("curator"),
    "officer": lazy_gettext("district officer"),
}

CONTACT_ROLES = {
    "mason": lazy_gettext("mason"),
    "motivator": lazy_gettext("motivator"),
    "official": lazy_gettext("official"),
    "other": lazy_gettext("other"),
}

ERROR_TITLES = {
    400: lazy_gettext("The form could not be read"),
    401: lazy_gettext("Please log in"),
    403: lazy_gettext("This page is not open to you"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("This page cannot do that"),
    413: lazy_gettext("The file is too large"),
    429: lazy_gettext("Too many tries"),
    500: lazy_gettext("Something went wrong"),
}

ERROR_TEXTS = {
    400: lazy_gettext("Go back, check what you typed and send it again."),
    401: lazy_gettext("Log in and try again."),
    403: lazy_gettext("Your role or districts do not include this. Ask an admin if you need it."),
    404: lazy_gettext("It may have been removed, or the address is wrong."),
    405: lazy_gettext("Go back and use the buttons on the page."),
    413: lazy_gettext("Choose a smaller file and try again."),
    429: lazy_gettext("Please wait a little and try again."),
    500: lazy_gettext(
        "The server could not finish this request. Nothing you entered was lost; please try again."
    ),
}


def init_app(app: Flask) -> None:
    """Give templates the words for roles and errors."""
    app.jinja_env.globals.update(
        role_name=role_name,
        error_title=error_title,
        error_text=error_text,
        error_detail=error_detail,
        language_name=language_name,
        contact_role=contact_role,
        place_name=place_name,
        topic_name=topic_name,
    )
    app.jinja_env.filters.update(place_name=place_name, topic_name=topic_name)  # for |map("place_name")


def role_name(role: str) -> str:
    """A role as staff call it, in the page's language."""
    return str(ROLE_NAMES.get(role, role))


def error_title(code: int) -> str:
    """The heading of an error page."""
    return str(ERROR_TITLES.get(code, ERROR_TITLES[500]))


def error_text(code: int) -> str:
    """What the person can do about an error."""
    return str(ERROR_TEXTS.get(code, ERROR_TEXTS[500]))


def error_detail(error) -> str:
    """What our own code said about this error; the framework's stock English explanations are left out."""
    said = getattr(error, "description", None)
    stock = getattr(type(error), "description", None)
    return said if isinstance(said, str) and said != stock else ""


def language_name(code: str | None) -> str:
    """A caller's language as staff say it (Hindi, हिन्दी), never its code; blank when not known."""
    if not code:
        return str(lazy_gettext("not known"))
    if "language_names" not in g:  # one query per page, not one per row
        g.language_names = {row.code: row for row in db.session.scalars(select(Language))}
    language = g.language_names.get(code)
    if language is None:
        return code
    return language.native_name if page_language() == "hi" else language.name


def contact_role(role: str | None) -> str:
    """A caller's role as staff say it, in the page's language."""
    return str(CONTACT_ROLES.get(role or "", role or ""))


def place_name(place: PlaceNames | None) -> str:
    """A state, district, block or panchayat as the reader knows it: in Devanagari on Hindi pages."""
    return place.name_in(page_language()) if place is not None else ""


def topic_name(topic: Topic | None) -> str:
    """A topic's name in the page's language."""
    return topic.name(page_language()) if topic is not None else ""


def page_language() -> str:
    """The code of the page's language ('hi', 'en')."""
    return str(get_locale() or "en")
