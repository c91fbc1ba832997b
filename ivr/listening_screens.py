"""Listening: a lesson or story is a playlist of short segments, each inside a <Gather>; then one-key feedback."""

from collections.abc import Callable

from audio import playback
from audio.models import Lesson, Recording
from core.db import db
from ivr import listening, prompt_editing
from ivr.models import ListenEvent
from ivr.registration_screens import registration_due
from ivr.screen_types import Action, Go, Line, Menu, Screen, Turn

SEGMENT_GAP_SECONDS = 1  # wait after a segment for a key before playing the next one


def _list_of(args: dict) -> Go:
    """The list a lesson or story was chosen from (marked "up": a skipped one-item list is passed)."""
    if args.get("kind") == Lesson.STORY:
        return Go("stories", {"up": 1})
    return Go("lessons", {"topic": args["topic"], "up": 1}) if args.get("topic") else Go("topics", {"up": 1})


def _here(args: dict) -> dict:
    return {key: args[key] for key in ("lesson", "topic", "kind") if key in args}


def play(turn: Turn) -> Menu | Go:
    """One segment inside a <Gather>: # skip, 0 repeat, 1 back, 4/6 previous/next, * list.

    Twilio's <Play> cannot seek, so "back 10 s" replays the current segment from its start
    (segments are at most ~90 s); it is offered only where the segment allows going back.
    """
    lesson_id, position = turn.int_arg("lesson"), turn.int_arg("pos") or 0
    playlist = playback.lesson_playlist(lesson_id, turn.language.code) if lesson_id else []
    if not playlist:
        return Go(_list_of(turn.args).screen, _list_of(turn.args).args, notice=("list_end",))
    if position >= len(playlist):
        return Go("after", _here(turn.args))
    item, here = playlist[position], _here(turn.args)
    speaks = not turn.answering  # the intro and the help are words only: a key's answer needs neither
    lines = _intro(turn, lesson_id) if speaks and turn.args.get("intro") else []
    # The keys' help after the first segment: content first.
    help_lines = _playback_help(turn) if speaks and position == 0 else []
    options = {
        "#": _advance(position, len(playlist), ListenEvent.SKIP),
        "0": Go("play", {**here, "pos": position}),
        "4": _neighbour(-1),
        "6": _neighbour(+1),
    }
    if item.allows_back:
        options["1"] = Go("play", {**here, "pos": position})
    return Menu(
        [*lines, Line(url=item.url, text=item.text, voice=item.voice), *help_lines],
        options,
        back=_list_of(turn.args),
        on_silence=_advance(position, len(playlist), ListenEvent.COMPLETE),
        on_enter=_started(position),
        timeout=SEGMENT_GAP_SECONDS,
    )


# What other packages add around an item: lines before it starts (peers' counts), and keys after it ends
# ("I tried this", a reply, forwarding). Each is a function of the Turn; ivr.peers.install adds its own.
BEFORE_ITEM: tuple[Callable[[Turn], list[Line]], ...] = ()
AFTER_ITEM: tuple[Callable[[Turn], tuple[list[Line], dict[str, Action]]], ...] = ()


def _intro(turn: Turn, lesson_id: int) -> list[Line]:
    """Before a story: the teller's name (only if they agreed), their work and district; then other packages' lines."""
    lesson = db.session.get(Lesson, lesson_id)
    others = [line for before in BEFORE_ITEM for line in before(turn)]
    if lesson.kind != Lesson.STORY:
        return others
    return _named(lesson) + _teller(turn, lesson) + others


def _named(lesson: Lesson) -> list[Line]:
    """The teller's name (only when they agreed): in their own voice if they recorded it, else in words."""
    if not lesson.contributor_name:
        return []
    voice = listening.name_recording_url(lesson)
    return (
        [Line("story_by_voice"), Line(url=voice)]
        if voice
        else [Line("story_by", {"name": lesson.contributor_name})]
    )


def _teller(turn: Turn, lesson: Lesson) -> list[Line]:
    role, district = listening.story_teller(lesson)
    code = turn.language.code
    words = {"role": prompt_editing.prompt_words(f"role_{role}", code) if role else ""}
    words["district"] = district.name_in(code) if district else ""
    said = "_".join(part for part in ("role", "district") if words[part])
    return [Line(f"teller_{said}", {k: v for k, v in words.items() if v})] if said else []


def _playback_help(turn: Turn) -> list[Line]:
    """The keys for listening, once per call and kind, naming only the keys that do something here."""
    kind = turn.args.get("kind", Lesson.LESSON)
    if turn.call.offered(f"help_{kind}"):
        return []
    turn.call.mark_offered(f"help_{kind}")
    ids, here = _siblings(turn)
    before, after = here > 0, 0 <= here < len(ids) - 1
    neighbours = {(True, True): "both", (True, False): "previous", (False, True): "next"}.get((before, after))
    return [Line("playback_help")] + ([Line(f"playback_{neighbours}_{kind}")] if neighbours else [])


def _siblings(turn: Turn) -> tuple[list[int], int]:
    """The ids of the lessons (or stories) in the list this one was chosen from, and its place (-1: none)."""
    kind = turn.args.get("kind", Lesson.LESSON)
    topic_id = turn.int_arg("topic") if kind == Lesson.LESSON else None
    if kind == Lesson.STORY:
        ids = [lesson.id for lesson in listening.stories_nearby_first(turn.call)]
    else:
        ids = [lesson.id for lesson in playback.published_copies(turn.language.code, topic_id, kind=kind)]
    lesson_id = turn.int_arg("lesson")
    return ids, ids.index(lesson_id) if lesson_id in ids else -1


def _started(position: int) -> Callable[[Turn], None]:
    def started(turn: Turn) -> None:
        lesson_id = turn.int_arg("lesson")
        listening.log_listen(turn.call, lesson_id, position, ListenEvent.START)
        listening.save_progress(turn.call, lesson_id, position, turn.int_arg("topic"))

    return started


def _advance(position: int, length: int, event: str) -> Callable[[Turn], Go]:
    def advance(turn: Turn) -> Go:
        lesson_id = turn.int_arg("lesson")
        listening.log_listen(turn.call, lesson_id, position, event)
        done = position + 1 >= length
        listening.save_progress(turn.call, lesson_id, position + 1, turn.int_arg("topic"), done=done)
        return Go("play", {**_here(turn.args), "pos": position + 1})

    return advance


def _neighbour(step: int) -> Callable[[Turn], Go]:
    """The previous (-1) or next (+1) lesson or story in the same list; the list itself at either end."""

    def neighbour(turn: Turn) -> Go:
        ids, here = _siblings(turn)
        if here < 0 or not 0 <= here + step < len(ids):
            end = "first" if step < 0 else "last"
            notice = f"at_{end}_{turn.args.get('kind', Lesson.LESSON)}"
            return Go(_list_of(turn.args).screen, _list_of(turn.args).args, notice=(notice,))
        return Go("play", {**_here(turn.args), "lesson": ids[here + step], "intro": 1})

    return neighbour


def after(turn: Turn) -> Menu:
    """After the last segment: one-key feedback, ask a question about it, next one, or the list."""
    here, rated = _here(turn.args), turn.args.get("rated")
    lines = [] if rated else [Line("lesson_finished"), Line("feedback_ask")]
    options = {
        "3": Go("consent", {"kind": Recording.QUESTION, "lesson": here.get("lesson")}),
        "6": _neighbour(+1),
    }
    if not rated:
        options |= {"1": _feedback(True), "2": _feedback(False)}
    for extra in AFTER_ITEM:
        extra_lines, extra_options = extra(turn)
        lines, options = lines + extra_lines, options | extra_options
    kind = turn.args.get("kind", Lesson.LESSON)
    back = _list_of(turn.args)  # silence too: a finished lesson never ends the call
    return Menu([*lines, Line(f"after_options_{kind}")], options, back=back, on_silence=back)


def _feedback(useful: bool) -> Callable[[Turn], Go]:
    def feedback(turn: Turn) -> Go:
        listening.record_feedback(turn.call, turn.int_arg("lesson"), useful)
        if registration_due(turn.call):  # the first lesson is over: a good moment to ask who is calling
            return Go("register", notice=("feedback_thanks",))
        return Go("after", {**_here(turn.args), "rated": 1}, notice=("feedback_thanks",))

    return feedback


SCREENS: dict[str, Screen] = {
    "play": play,
    "after": after,
}
