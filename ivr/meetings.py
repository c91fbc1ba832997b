"""Village-meeting mode: a motivator plays a lesson to a group on loudspeaker.

The motivator types how many people are listening; the lesson plays a segment at a time with a pause
for discussion after each ("press 1 when the group is ready"), long timeouts and no personal menus;
afterwards the group's question can be recorded for the help desk, and a poll attached to the lesson
run by counting raised hands. Every attendee counts as a group listener of the lesson.
"""

from flask_babel import gettext
from sqlalchemy import func, select

from audio import playback as audio
from audio.models import Lesson, Recording
from campaigns import polls
from core import metrics
from core.db import db
from core.metrics import BAR, DASHBOARD, Filters, Table
from core.models import Contact
from ivr import call_figures, list_screens
from ivr.models import MeetingListen
from ivr.screen_types import Action, Go, Line, Menu, Turn

MEETING_KEY = "8"  # on the main menu, for motivators
MAX_HEADCOUNT = 500
GROUP_SECONDS = 20  # a group needs longer than one caller to agree on a key
TYPED = {str(digit) for digit in range(10)}


def meeting_offer(turn: Turn) -> list[tuple[Line, str, Go]]:
    """The main menu's 8 for a motivator."""
    contact = turn.call.contact
    if contact is None or contact.role != Contact.MOTIVATOR:
        return []
    return [(Line("menu_meeting"), MEETING_KEY, Go("meeting"))]


def meeting(turn: Turn) -> Menu | Go:
    """How many people are listening? (typed, then hash)."""
    contact = turn.call.contact
    if contact is None or contact.role != Contact.MOTIVATOR:  # the role check, on every entry
        return Go("menu")
    options: dict[str, Action] = dict.fromkeys(TYPED - {"0"}, _headcount)
    return Menu(
        [Line("meeting_headcount")],
        options,
        back=Go("menu"),
        timeout=GROUP_SECONDS,
        digits=3,
        number=_headcount,
    )


def _typed(turn: Turn) -> int | None:
    digits = turn.form.get("Digits", "").rstrip("#")
    return int(digits) if digits.isdigit() else None


def _headcount(turn: Turn) -> Go:
    count = _typed(turn)
    if count is None or not 1 <= count <= MAX_HEADCOUNT:
        return Go("meeting", notice=("meeting_headcount_invalid",))
    return Go("meeting_choose", {"n": count})


def meeting_choose(turn: Turn) -> Menu | Go:
    """The lessons and stories to play to the group."""
    count = turn.int_arg("n")
    if not count:
        return Go("meeting")
    code = turn.language.code
    found = audio.published_lessons(code) + audio.published_lessons(code, kind=Lesson.STORY)
    items = [(track.title, Go("meeting_play", {"n": count, "lesson": lesson.id})) for lesson, track in found]
    if not items:
        return Go("menu", notice=("no_lessons",))
    return list_screens.choice_list(turn, "meeting_choose", "meeting_choose_intro", items, back=Go("menu"))


def _state(turn: Turn, **changes) -> dict:
    kept = {key: turn.args[key] for key in ("n", "lesson", "pos") if key in turn.args}
    return {**kept, **changes}


def meeting_play(turn: Turn) -> Menu | Go:
    """One segment; then the pause for discussion (hash skips it, star goes back to the list)."""
    count, lesson_id, position = turn.int_arg("n"), turn.int_arg("lesson"), turn.int_arg("pos") or 0
    playlist = audio.lesson_playlist(lesson_id, turn.language.code) if count and lesson_id else []
    if not playlist:
        return Go("meeting_choose", {"n": count} if count else {})
    if position >= len(playlist):
        return Go("meeting_after", _state(turn))
    item = playlist[position]
    following = Go("meeting_pause", _state(turn, pos=position + 1))
    return Menu(
        [Line(url=item.url, text=item.text, voice=item.voice)],
        {"#": following},
        back=Go("meeting_choose", {"n": count}),
        on_silence=following,
        on_enter=_group_listened,
        timeout=1,
    )


def _group_listened(turn: Turn) -> None:
    """Count the group once per lesson and meeting call, when the lesson starts."""
    call, lesson_id = turn.call, turn.int_arg("lesson")
    found = select(MeetingListen.id).filter_by(call_id=call.id, lesson_id=lesson_id)
    if db.session.scalar(found) is None:
        db.session.add(
            MeetingListen(
                call_id=call.id, contact_id=call.contact_id, lesson_id=lesson_id, headcount=turn.int_arg("n")
            )
        )


def meeting_pause(turn: Turn) -> Menu:
    """Time to talk: 1 when the group is ready to go on (silence keeps waiting)."""
    again = Go("meeting_pause", _state(turn))
    return Menu(
        [Line("meeting_pause")],
        {"1": Go("meeting_play", _state(turn))},
        back=Go("meeting_choose", {"n": turn.args.get("n", "")}),
        on_silence=again,
        timeout=GROUP_SECONDS,
    )


def meeting_after(turn: Turn) -> Menu | Go:
    """After the lesson: 3 records the group's question, 4 a hand-count poll, 1 another lesson, star ends."""
    lesson_id = turn.int_arg("lesson")
    if lesson_id is None:
        return Go("menu")
    options: dict[str, Action] = {
        "1": Go("meeting_choose", {"n": turn.args.get("n", "")}),
        "3": Go("consent", {"kind": Recording.QUESTION, "lesson": lesson_id}),
    }
    lines = [Line("meeting_question_offer")]
    poll = polls.after_lesson(lesson_id)
    if poll is not None and poll.questions:
        lines.append(Line("meeting_poll_offer"))
        options["4"] = Go("meeting_hands", {**_state(turn), "poll": poll.id, "q": 0, "c": 1})
    lines += [Line("meeting_next"), Line("meeting_end")]
    end = Go("menu", notice=("meeting_thanks",))
    return Menu(lines, options, back=end, timeout=GROUP_SECONDS)


def meeting_hands(turn: Turn) -> Menu | Go:
    """For each question and choice: how many hands went up (typed, then hash)."""
    poll_id, number, choice = turn.int_arg("poll") or 0, turn.int_arg("q") or 0, turn.int_arg("c") or 1
    poll = polls.by_id(poll_id)
    if poll is None or number >= len(poll.questions):
        return Go("meeting_after", _state(turn), notice=("poll_thanks",))
    question = poll.questions[number]
    asked = [Line(text=question.text(turn.language.code))] if choice == 1 else []
    label = question.labels[choice - 1]
    lines = [*asked, Line("meeting_hands_count", {"digit": choice, "label": label})]
    options: dict[str, Action] = dict.fromkeys(TYPED, _hands)
    skip = _next_hands(turn, poll_id, number, choice, len(question.labels))
    return Menu(lines, options, back=skip, timeout=GROUP_SECONDS, digits=3, number=_hands)


def _next_hands(turn: Turn, poll_id: int, number: int, choice: int, choices: int) -> Go:
    following = {"q": number, "c": choice + 1} if choice < choices else {"q": number + 1, "c": 1}
    return Go("meeting_hands", {**_state(turn), "poll": poll_id, **following})


def _hands(turn: Turn) -> Go:
    poll = polls.by_id(turn.int_arg("poll") or 0)
    number, choice = turn.int_arg("q") or 0, turn.int_arg("c") or 1
    if poll is None or number >= len(poll.questions):
        return Go("meeting_after", _state(turn))
    question = poll.questions[number]
    count = _typed(turn) or 0
    polls.hand_count(question, turn.call.call_sid, turn.call.contact, choice, count, turn.language.code)
    return _next_hands(turn, poll.id, number, choice, len(question.labels))


def group_listeners(lesson_id: int) -> int:
    """Everyone who heard the lesson in a village meeting."""
    total = select(func.sum(MeetingListen.headcount)).filter_by(lesson_id=lesson_id)
    return db.session.scalar(total) or 0


def group_listening(filters: Filters) -> Table:
    """Per lesson or story: village meetings that played it and the people listening in them."""
    query = (
        select(MeetingListen.lesson_id, func.count(MeetingListen.id), func.sum(MeetingListen.headcount))
        .where(metrics.in_range(MeetingListen.created_at, filters))
        .group_by(MeetingListen.lesson_id)
    )
    found = db.session.execute(metrics.scoped(query, MeetingListen.contact_id, filters)).all()
    titles = call_figures.lesson_titles([row[0] for row in found])
    rows = sorted(((titles.get(row[0], f"#{row[0]}"), row[1], row[2]) for row in found), key=lambda r: -r[2])
    columns = [gettext("Lesson or story"), gettext("Village meetings"), gettext("Group listeners")]
    note = gettext(
        "Group listening: each attendee of a village meeting (the motivator's headcount) counts once."
    )
    title = gettext("Group listening in village meetings")
    return Table("group-listening", title, columns, rows, BAR, [2], note)


def register_metrics() -> None:
    """Add the group-listening table to the dashboard (from init_app)."""
    metrics.register("group-listening", (DASHBOARD,), group_listening, position=105)


SCREENS = {
    "meeting": meeting,
    "meeting_choose": meeting_choose,
    "meeting_play": meeting_play,
    "meeting_pause": meeting_pause,
    "meeting_after": meeting_after,
    "meeting_hands": meeting_hands,
}
