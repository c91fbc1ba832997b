"""Peers talk back on the line: counts before an item, "I tried this" and replies after a story.

The screens follow ivr.flow's rules; install() adds them, their prompts and the hooks around an item.
"""

from audio.models import Lesson, Recording
from ivr import (
    flow,
    forwards,
    listening_screens,
    main_menu_screens,
    meetings,
    peer_prompts,
    polls,
    prompts,
    reactions,
)
from ivr.screen_types import Action, Go, Line, Menu, Turn
from transcription import replies

TRIED_KEY, HEAR_REPLIES_KEY, REPLY_KEY = "4", "5", "7"
MY_REPLIES_KEY = "7"  # on the main menu, for a teller whose stories have published replies


def install() -> None:
    """Add the peers' prompts, and their lines and keys around every lesson and story."""
    prompts.PROMPTS.update(peer_prompts.PROMPTS)
    if counts_before not in listening_screens.BEFORE_ITEM:
        listening_screens.BEFORE_ITEM = (*listening_screens.BEFORE_ITEM, counts_before)
    flow.SCREENS.update(SCREENS | forwards.SCREENS | polls.SCREENS | meetings.SCREENS)
    for hook, screens, name in (
        (tried_after, listening_screens, "AFTER_ITEM"),
        (replies_after, listening_screens, "AFTER_ITEM"),
        (forwards.forward_after, listening_screens, "AFTER_ITEM"),
        (polls.poll_after, listening_screens, "AFTER_ITEM"),
        (my_replies_offer, main_menu_screens, "MENU_EXTRAS"),
        (meetings.meeting_offer, main_menu_screens, "MENU_EXTRAS"),
    ):
        if hook not in getattr(screens, name):
            setattr(screens, name, (*getattr(screens, name), hook))


def counts_before(turn: Turn) -> list[Line]:
    """ "34 workers found this useful, 12 have tried it": only the counts that are not zero."""
    lesson_id = turn.int_arg("lesson")
    if lesson_id is None:
        return []
    useful, tried = reactions.counts(lesson_id)
    return _count_line("useful", useful) + _count_line("tried", tried)


def _count_line(what: str, count: int) -> list[Line]:
    if count == 0:
        return []
    return [Line(f"count_{what}_one")] if count == 1 else [Line(f"count_{what}_many", {"count": count})]


def tried_after(turn: Turn) -> tuple[list[Line], dict[str, Action]]:
    """Key 4 after an item: "I have done this in my work" (offered until the caller has said it)."""
    lesson_id = turn.int_arg("lesson")
    if lesson_id is None or reactions.has_tried(turn.call, lesson_id):
        return [], {}
    return [Line("tried_ask")], {TRIED_KEY: _tried}


def _tried(turn: Turn) -> Go:
    reactions.record_tried(turn.call, turn.int_arg("lesson") or 0)
    kept = {key: value for key, value in turn.args.items() if key in ("lesson", "topic", "kind", "rated")}
    return Go("after", kept, notice=("tried_thanks",))


def _story_here(turn: Turn) -> dict:
    return {"lesson": turn.args["lesson"], "kind": Lesson.STORY}


def replies_after(turn: Turn) -> tuple[list[Line], dict[str, Action]]:
    """After a story: 5 hears its published replies (when there are any), 7 records a reply."""
    lesson_id = turn.int_arg("lesson")
    if lesson_id is None or turn.args.get("kind") != Lesson.STORY:
        return [], {}
    here = _story_here(turn)
    record = Go("consent", {"kind": Recording.REPLY, "lesson": lesson_id})
    count = len(replies.published_replies(lesson_id))
    if count == 0:
        return [Line("reply_ask")], {REPLY_KEY: record}
    heard = Line("replies_one") if count == 1 else Line("replies_many", {"count": count})
    return [heard, Line("reply_ask")], {HEAR_REPLIES_KEY: Go("replies", here), REPLY_KEY: record}


def story_replies(turn: Turn) -> Menu | Go:
    """The story's published replies one after another; 1 plays them again, star or silence goes back."""
    lesson_id = turn.int_arg("lesson")
    found = replies.published_replies(lesson_id) if lesson_id else []
    if not found:
        return Go("menu")
    here = _story_here(turn)
    return _playing(found, "replies_intro", Go("replies", here), Go("after", {**here, "rated": 1}))


def my_replies_offer(turn: Turn) -> list[tuple[Line, str, Go]]:
    """The main menu's 7 for a teller whose stories have published replies."""
    contact_id = turn.call.contact_id
    if contact_id is None or not replies.replies_to_teller(contact_id):
        return []
    return [(Line("menu_my_replies"), MY_REPLIES_KEY, Go("my_replies"))]


def my_replies(turn: Turn) -> Menu | Go:
    """Every published reply to the caller's own stories."""
    contact_id = turn.call.contact_id
    found = replies.replies_to_teller(contact_id) if contact_id else []
    if not found:
        return Go("menu")
    return _playing(found, "my_replies_intro", Go("my_replies"), Go("menu"))


def _playing(found: list[Recording], intro: str, again: Go, back: Go) -> Menu:
    lines = [Line(intro), *[Line(url=replies.audio_url(reply)) for reply in found], Line("replies_end")]
    return Menu(lines, {"1": again}, back=back, on_silence=back)


SCREENS = {"replies": story_replies, "my_replies": my_replies}
