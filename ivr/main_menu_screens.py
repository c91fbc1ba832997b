"""The start of a call: choosing the language, the offers a returning caller meets first, and the main menu."""

from collections.abc import Callable

from audio import playback
from audio.models import Lesson, Recording
from ivr import call_records, listening
from ivr.registration_screens import registration_due
from ivr.screen_types import Go, Line, Menu, Screen, Turn
from transcription import helpdesk

# (key, prompt id, screen, arguments): the main menu's options, at most four.
MAIN_MENU = [
    ("1", "menu_lessons", "topics", {}),
    ("2", "menu_stories", "stories", {}),
    ("3", "menu_record_story", "consent", {"kind": Recording.STORY}),
    ("4", "menu_ask_question", "consent", {"kind": Recording.QUESTION}),
]


def language_menu(turn: Turn) -> Menu:
    languages = call_records.active_languages()
    lines = [Line("language_option", {"digit": lang.menu_digit}, language=lang) for lang in languages]
    options = {str(lang.menu_digit): _choose_language(lang.code) for lang in languages}
    return Menu(lines, options, back=Go("menu") if turn.call.language_code else None)


def _choose_language(code: str) -> Callable[[Turn], Go]:
    def choose(turn: Turn) -> Go:
        call_records.set_language(turn.call, code)
        return Go("menu", notice=("welcome",))

    return choose


def home(turn: Turn) -> Menu | Go:
    """A returning caller: the first call-start offer that applies, else the main menu."""
    for offer in START_OFFERS:
        offered = offer(turn)
        if offered is not None:
            return offered
    return Go("menu", notice=("welcome_back",))


# Screens a returning caller may meet before the main menu, in order; each returns a screen, or None when
# it does not apply. This is the call start's one hook: a new offer (a course's re-ask...) is a function here.
# Keep them rare and short: every word here comes before the caller's content (see ivr/budget.py).
def _answer_waiting(turn: Turn) -> Menu | None:
    """An expert's answer the caller has not heard yet (the callback was missed, or has not rung)."""
    waiting = helpdesk.waiting_answer(turn.call.contact_id) if turn.call.contact_id else None
    if waiting is None:
        return None
    options = {"1": Go("answer", {"question": waiting.id}), "2": Go("menu")}
    return Menu([Line("welcome_back"), Line("answer_waiting")], options, back=Go("menu"))


def _new_answer_offer(turn: Turn) -> Menu | None:
    """A question and its expert answer published since the last call, in a topic the caller follows."""
    since, topics = call_records.previous_call_at(turn.call), listening.followed_topics(turn.call)
    if since is None or not topics:
        return None
    code = turn.language.code
    titles = {lesson.id: lesson.title for lesson in playback.published_copies(code, kind=Lesson.STORY)}
    found = [i for i in helpdesk.published_answers(topics, since, turn.call.contact_id) if i in titles]
    if not found:
        return None
    play = Go("play", {"lesson": found[0], "kind": Lesson.STORY, "intro": 1})
    lines = [Line("welcome_back"), Line("new_answer_offer", {"title": titles[found[0]]})]
    return Menu(lines, {"1": play, "2": Go("menu")}, back=Go("menu"))


START_OFFERS: tuple[Callable[[Turn], Menu | Go | None], ...] = (_answer_waiting, _new_answer_offer)


def main_menu(turn: Turn) -> Menu | Go:
    """Key 1 is the caller's own lesson (continue it, or the next one) when there is one; 5 the full list."""
    if registration_due(turn.call):
        return Go("register")
    first = _own_lesson(turn)
    lines = [Line(prompt_id) for _, prompt_id, _, _ in MAIN_MENU] + [Line("menu_more")]
    options = {key: Go(name, args) for key, _, name, args in MAIN_MENU}
    if first is not None:
        line, options["1"] = first
        lines = [line, *lines[1:-1], Line("menu_all_lessons"), lines[-1]]
        options["5"] = Go("topics")
    if turn.call.contact_id and helpdesk.answered_questions(turn.call.contact_id):
        lines.insert(-1, Line("menu_answers"))
        options["6"] = Go("answers")
    for extra in MENU_EXTRAS:
        for line, key, go in extra(turn):
            lines.insert(-1, line)
            options[key] = go
    return Menu(lines, options, back=Go("language"))


# Options other packages add to the main menu for this caller only (ivr.peers: replies to their stories):
# each a function of the Turn returning (line, key, where it leads) for each option that applies.
MENU_EXTRAS: tuple[Callable[[Turn], list[tuple[Line, str, Go]]], ...] = ()


def _own_lesson(turn: Turn) -> tuple[Line, Go] | None:
    """The lesson left unfinished (to continue where it stopped), else the next one not yet heard."""
    progress = listening.progress_of(turn.call)  # one statement for both questions
    unfinished = listening.unfinished_lesson(progress)
    if unfinished is not None:
        here = {"lesson": unfinished.lesson_id, "topic": unfinished.topic_id, "kind": unfinished.kind}
        return Line("resume_offer", {"title": unfinished.title}), Go(
            "play", {**here, "pos": unfinished.position, "intro": 1}
        )
    found = listening.next_lesson(turn.call, progress)
    if found is None:
        return None
    lesson, title = found
    here = {"lesson": lesson.id, "topic": lesson.topic_id, "kind": Lesson.LESSON, "intro": 1}
    return Line("next_offer", {"title": title}), Go("play", here)


SCREENS: dict[str, Screen] = {
    "language": language_menu,
    "home": home,
    "menu": main_menu,
}
