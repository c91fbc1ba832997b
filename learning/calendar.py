"""The thematic calendar officers and curators share: which course runs where, month by month."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from campaigns import schedule
from core.db import db
from core.models import District
from core.words import page_language, place_name, topic_name
from learning import enrolment, words
from learning.models import Series


@dataclass
class Entry:
    theme: str
    course: str
    districts: str
    starts: datetime
    ends: datetime
    lessons: int
    enrolled: int


def _districts(series: Series) -> set[int]:
    return {int(d) for d in series.district_ids.split(",") if d.strip().isdigit()}


def entries(district_ids: set[int] | None) -> list[Entry]:
    """Every series the staff member may see (officers: those touching their districts), by start."""
    found = []
    for series in db.session.scalars(select(Series).order_by(Series.starts_at, Series.id)):
        scope = _districts(series)
        if district_ids is not None and scope and not scope & district_ids:
            continue
        places = db.session.scalars(
            select(District).where(District.id.in_(scope or {-1})).order_by(District.name)
        )
        lessons = len(series.course.lessons)
        found.append(
            Entry(
                theme=series.theme or topic_name(series.course.topic),
                course=series.course.title(page_language()),
                districts=", ".join(place_name(place) for place in places) or gettext("all districts"),
                starts=series.starts_at.astimezone(schedule.zone()),
                ends=(series.starts_at + timedelta(weeks=max(lessons - 1, 0))).astimezone(schedule.zone()),
                lessons=lessons,
                enrolled=enrolment.series_enrolled(series.id),
            )
        )
    return found


def months(district_ids: set[int] | None) -> list[tuple[str, list[Entry]]]:
    """The entries grouped under the month each series starts in ('January 2030', in the page's language)."""
    grouped: dict[str, list[Entry]] = {}
    for entry in entries(district_ids):
        grouped.setdefault(words.month_name(entry.starts), []).append(entry)
    return list(grouped.items())
