"""Spoken lists the caller picks from by key, paged by eight: the topics, a topic's lessons, the stories."""

import math

from sqlalchemy import select

from audio import playback
from audio.models import Lesson
from core.db import db
from core.models import Topic
from ivr import listening
from ivr.screen_types import Go, Line, Menu, Screen, Turn

PAGE_SIZE = 8  # list items take keys 1-8 (8 becomes "more" on long lists)


def choice_list(turn: Turn, name: str, intro: str, items: list[tuple[str, Go]], back: Go) -> Menu | Go:
    """A spoken list: 'X: press 1'...; long lists page with 8; a single item is taken, not offered."""
    if len(items) == 1:  # going back up past a skipped list skips it again (no loop)
        return Go(back.screen, {**back.args, "up": 1}) if turn.args.get("up") else items[0][1]
    paged = len(items) > PAGE_SIZE
    per_page = PAGE_SIZE - 1 if paged else PAGE_SIZE
    pages = math.ceil(len(items) / per_page)
    page = (turn.int_arg("page") or 0) % pages
    chunk = items[page * per_page : (page + 1) * per_page]
    lines = [Line(intro)] * bool(intro) + [
        Line("item_option", {"name": label, "digit": n}) for n, (label, _) in enumerate(chunk, 1)
    ]
    options = {str(n): go for n, (_, go) in enumerate(chunk, 1)}
    if paged:
        lines.append(Line("more_option"))
        options["8"] = Go(name, {**turn.args, "page": (page + 1) % pages})
    return Menu([*lines, Line("back_hint")], options, back=back)


def topics(turn: Turn) -> Menu | Go:
    code = turn.language.code
    topic_ids = {lesson.topic_id for lesson in playback.published_copies(code) if lesson.topic_id}
    found = db.session.scalars(
        select(Topic).where(Topic.id.in_(topic_ids)).order_by(Topic.position, Topic.id)
    )
    items = [(topic.name(code), Go("lessons", {"topic": topic.id})) for topic in found]
    if not items:
        return Go("menu", notice=("no_lessons",))
    return choice_list(turn, "topics", "topics_intro", items, back=Go("menu"))


def lessons(turn: Turn) -> Menu | Go:
    topic_id = turn.int_arg("topic")
    found = playback.published_copies(turn.language.code, topic_id) if topic_id else []
    items = [
        (
            lesson.title,
            Go("play", {"lesson": lesson.id, "topic": topic_id, "kind": Lesson.LESSON, "intro": 1}),
        )
        for lesson in found
    ]
    if not items:
        return Go("topics", notice=("list_end",))
    return choice_list(turn, "lessons", "lessons_intro", items, back=Go("topics", {"up": 1}))


def stories(turn: Turn) -> Menu | Go:
    found = listening.stories_nearby_first(turn.call)
    items = [
        (lesson.title, Go("play", {"lesson": lesson.id, "kind": Lesson.STORY, "intro": 1}))
        for lesson in found
    ]
    if not items:
        return Go("menu", notice=("no_stories",))
    return choice_list(turn, "stories", "", items, back=Go("menu"))


SCREENS: dict[str, Screen] = {
    "topics": topics,
    "lessons": lessons,
    "stories": stories,
}
