"""Recording a story, a question or a reply: consent first, then <Record>, then keep, listen or re-record."""

from collections.abc import Callable

from flask import current_app

from audio.models import Recording
from core.db import db
from ivr import consent_takes, name_screens, prompts
from ivr.models import Consent, RecordingTake
from ivr.screen_types import Go, Line, Menu, RecordStep, Screen, Turn

CONSENT_KEYS = {"1": Consent.NAMED, "2": Consent.ANONYMOUS, "3": Consent.TRAINERS_ONLY}
RECORDING_KINDS = (Recording.STORY, Recording.QUESTION, Recording.REPLY)


def consent(turn: Turn) -> Menu | Go:
    kind = turn.args.get("kind")
    if kind not in RECORDING_KINDS:
        return Go("menu")
    options = {key: _consent(kind, key, choice) for key, choice in CONSENT_KEYS.items()}
    return Menu([Line(f"consent_{kind}")], options, back=_consent(kind, "*", Consent.DECLINED))


def _consent(kind: str, key: str, choice: str) -> Callable[[Turn], Go]:
    def answer(turn: Turn) -> Go:
        prompt = prompts.PROMPTS[f"consent_{kind}"]
        given = consent_takes.record_consent(turn.call, kind, turn.int_arg("lesson"), prompt, key, choice)
        if not given.given:
            return Go("menu", notice=("consent_declined",))
        return Go("record", {"consent": given.id})

    return answer


def record(turn: Turn) -> RecordStep | Go:
    given = consent_takes.consent_for(turn.call, turn.int_arg("consent"))
    if given is None:  # no consent, no <Record>
        return Go("menu")
    minutes = {"minutes": max(1, int(current_app.config["MAX_RECORDING_SECONDS"]) // 60)}
    return RecordStep(
        [Line(f"record_{given.kind}", minutes if given.kind == Recording.STORY else {})], given.id
    )


def recorded(turn: Turn) -> Go:
    """Twilio's <Record action>: the caller finished (the file may not exist yet; see settle_take)."""
    given = consent_takes.consent_for(turn.call, turn.int_arg("consent"))
    if given is None:
        return Go("menu")
    if not turn.form.get("RecordingSid"):
        return Go("record_empty", {"consent": given.id})
    take = consent_takes.note_take(given, turn.form)
    db.session.commit()
    if turn.form.get("RecordingDuration") == "0":
        consent_takes.decide_take(take, RecordingTake.DISCARDED)
        return Go("record_empty", {"consent": given.id})
    return Go("review", {"take": take.id})


def record_empty(turn: Turn) -> Menu | Go:
    given = consent_takes.consent_for(turn.call, turn.int_arg("consent"))
    if given is None:
        return Go("menu")
    return Menu([Line("recording_empty")], {"1": Go("record", {"consent": given.id})}, back=Go("menu"))


def review(turn: Turn) -> Menu | Go:
    take = consent_takes.take_for(turn.call, turn.int_arg("take"))
    if take is None or take.decision != RecordingTake.PENDING:
        return Go("menu")
    listen = [Line(url=take.recording_url)] if turn.args.get("listen") and take.recording_url else []
    options = {
        "1": _decide(RecordingTake.KEPT),
        "2": Go("review", {"take": take.id, "listen": 1}),
        "3": _decide(RecordingTake.DISCARDED, again=True),
    }
    return Menu([*listen, Line("review_options")], options, back=_decide(RecordingTake.DISCARDED))


def _decide(decision: str, again: bool = False) -> Callable[[Turn], Go]:
    def decide(turn: Turn) -> Go:
        take = consent_takes.take_for(turn.call, turn.int_arg("take"))
        consent_takes.decide_take(take, decision)
        kept = (f"recording_kept_{take.consent.kind}",)
        if decision == RecordingTake.KEPT and name_screens.may_ask_name(turn, take.consent):
            return Go("name_offer", notice=kept)
        if decision == RecordingTake.KEPT:
            return Go("menu", notice=kept)
        if again:
            return Go("record", {"consent": take.consent_id})
        return Go("menu", notice=("recording_discarded",))

    return decide


SCREENS: dict[str, Screen] = {
    "consent": consent,
    "record": record,
    "recorded": recorded,
    "record_empty": record_empty,
    "review": review,
}
