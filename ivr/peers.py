"""Peers talk back on the line: counts before an item, "I tried this" after it.

The screens follow ivr.flow's rules; install() adds them, their prompts and the hooks around an item.
"""

from ivr import flow, peer_prompts, prompts, reactions
from ivr.flow import Action, Go, Line, Turn

TRIED_KEY = "4"


def install() -> None:
    """Add the peers' prompts, and their lines and keys around every lesson and story."""
    prompts.PROMPTS.update(peer_prompts.PROMPTS)
    if counts_before not in flow.BEFORE_ITEM:
        flow.BEFORE_ITEM = (*flow.BEFORE_ITEM, counts_before)
    if tried_after not in flow.AFTER_ITEM:
        flow.AFTER_ITEM = (*flow.AFTER_ITEM, tried_after)


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
    reactions.record_tried(turn.call, turn.int_arg("lesson"))
    kept = {key: value for key, value in turn.args.items() if key in ("lesson", "topic", "kind", "rated")}
    return Go("after", kept, notice=("tried_thanks",))
