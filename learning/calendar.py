"""The thematic calendar officers and curators share: which course runs where, month by month."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from campaigns import schedule
from core.db import db
from core.models import District
from learning import enrolment
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
        names = db.session.scalars(
            select(District.name).where(District.id.in_(scope or {-1})).order_by(District.name)
        )
        lessons = len(series.course.lessons)
        found.append(
            Entry(
                theme=series.theme or (series.course.topic.name_en if series.course.topic else ""),
                course=series.course.title_en,
                districts=", ".join(names) or "all districts / सभी ज़िले",
                starts=series.starts_at.astimezone(schedule.zone()),
                ends=(series.starts_at + timedelta(weeks=max(lessons - 1, 0))).astimezone(schedule.zone()),
                lessons=lessons,
                enrolled=enrolment.series_enrolled(series.id),
            )
        )
    return found


def months(district_ids: set[int] | None) -> list[tuple[str, list[Entry]]]:
    """The entries grouped under the month each series starts in ('2030-01')."""
    grouped: dict[str, list[Entry]] = {}
    for entry in entries(district_ids):
        grouped.setdefault(entry.starts.strftime("%Y-%m"), []).append(entry)
    return list(grouped.items())
