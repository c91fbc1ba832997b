"""The starter course: the starter library's twin-pit lessons, each followed by keypad quiz items.

Added once the lessons are published (by `chaupal lessons starter` and the demo); curators edit or retire
it like any other course afterwards, and a second load never adds it again.
"""

from dataclasses import dataclass

from sqlalchemy import select

from audio.models import Lesson
from core.db import db
from learning import courses, quizzes
from learning.models import Course

TITLE_EN = "Twin-pit toilets: build them right"
TITLE_HI = "दो गड्ढे वाला शौचालय: सही तरीके से बनाएँ"
PASS_MARK = 60


@dataclass(frozen=True)
class Item:
    lesson: str  # the starter lesson's slug
    right: str
    hi: tuple[str, dict[str, str], str]  # question, {key: option}, explanation
    en: tuple[str, dict[str, str], str]


ITEMS = [
    Item(
        "01-twin-pit-basics",
        "1",
        (
            "एक समय में कितने गड्ढे इस्तेमाल होते हैं?",
            {"1": "एक", "2": "दोनों"},
            "एक समय में एक ही गड्ढा चलता है, दूसरा आराम करता है।",
        ),
        (
            "How many pits are used at the same time?",
            {"1": "one", "2": "both"},
            "Only one pit is used at a time; the other one rests.",
        ),
    ),
    Item(
        "02-twin-pit-siting",
        "2",
        (
            "जहाँ तक हो सके, गड्ढा हैंडपंप से कितनी दूर होना चाहिए?",
            {"1": "तीन मीटर", "2": "कम से कम दस मीटर"},
            "पीने के पानी को बचाने के लिए जहाँ तक हो सके कम से कम दस मीटर।",
        ),
        (
            "Where possible, how far should a pit be from a hand pump?",
            {"1": "three metres", "2": "at least ten metres"},
            "At least ten metres where possible, to keep the drinking water clean.",
        ),
    ),
    Item(
        "02-twin-pit-siting",
        "2",
        (
            "दोनों गड्ढों के बीच कितनी दूरी हो?",
            {"1": "दीवार से दीवार सटे हुए", "2": "कम से कम एक मीटर"},
            "कम से कम एक मीटर, ताकि चालू गड्ढे का पानी आराम कर रहे गड्ढे में न रिसे।",
        ),
        (
            "How far apart should the two pits be?",
            {"1": "touching each other", "2": "at least one metre"},
            "At least one metre, so the pit in use does not seep into the resting one.",
        ),
    ),
    Item(
        "03-honeycomb-brickwork",
        "2",
        (
            "क्या गड्ढे की दीवार पर प्लास्टर करना चाहिए?",
            {"1": "हाँ", "2": "नहीं, ईंटों के बीच छेद और कच्चा तला"},
            "नहीं। जालीदार चिनाई और कच्चे तले से पानी ज़मीन में रिसता है।",
        ),
        (
            "Should the pit wall be plastered?",
            {"1": "yes", "2": "no: gaps between bricks and a bare earth floor"},
            "No. Honeycomb brickwork and a bare earth floor let the water soak away.",
        ),
    ),
    Item(
        "04-switching-and-emptying",
        "2",
        (
            "भरे हुए गड्ढे को खाली करने से पहले कितना आराम चाहिए?",
            {"1": "एक महीना", "2": "कम से कम एक साल"},
            "कम से कम एक साल, तब मल सुरक्षित खाद बन जाता है।",
        ),
        (
            "How long must a full pit rest before it is emptied?",
            {"1": "one month", "2": "at least one year"},
            "At least one year: by then the contents are safe manure.",
        ),
    ),
]
LESSONS = tuple(dict.fromkeys(item.lesson for item in ITEMS))


def load() -> Course | None:
    """Add the starter course once its lessons are published; None when it exists or cannot be made yet."""
    if db.session.scalar(select(Course.id).filter_by(title_en=TITLE_EN)) is not None:
        return None
    query = select(Lesson).where(Lesson.starter_slug.in_(LESSONS), Lesson.status == Lesson.PUBLISHED)
    lessons = {lesson.starter_slug: lesson for lesson in db.session.scalars(query)}
    if len(lessons) < len(LESSONS):
        return None
    items = [quizzes.save_item(None, _form(item, lessons[item.lesson]), None) for item in ITEMS]
    form = {
        "title_en": TITLE_EN,
        "title_hi": TITLE_HI,
        "pass_mark": str(PASS_MARK),
        "topic_id": str(lessons[LESSONS[0]].topic_id or ""),
        "lesson_ids": [str(lessons[slug].id) for slug in LESSONS],
        "post_item_ids": [str(item.id) for item in items],
    }
    return courses.save_course(None, form, None)


def _form(item: Item, lesson: Lesson) -> dict:
    """The quiz item as the curators' form would send it, in Hindi and English."""
    form = quizzes.item_form(item.hi[0], item.hi[1], item.right, item.hi[2], "hi", lesson_id=lesson.id)
    english = quizzes.item_form(item.en[0], item.en[1], item.right, item.en[2], "en", lesson_id=lesson.id)
    return {**form, **english}
