"""Learning values as staff read them, in the page's language: quiz item statuses and months."""

from datetime import datetime

from babel.dates import format_date
from flask import Flask
from flask_babel import lazy_gettext

from core.words import page_language

ITEM_STATUSES = {
    "draft": lazy_gettext("draft"),
    "published": lazy_gettext("published"),
    "retired": lazy_gettext("retired"),
}


def init_app(app: Flask) -> None:
    """Give learning's templates these words."""
    app.jinja_env.globals["item_status"] = item_status


def item_status(status: str) -> str:
    """A quiz item's status as curators say it."""
    return str(ITEM_STATUSES.get(status, status))


def month_name(moment: datetime) -> str:
    """The month and year of a moment, in the page's language ('January 2030', 'जनवरी 2030')."""
    return format_date(moment, "LLLL y", locale=page_language())
