"""Experts answer by phone: an expert calling from their account's number hears the questions waiting in
their topics, records an answer, keeps or re-records it; the answer goes through the help desk's callback.

install() adds the screens to ivr.flow, their prompts, and the call-start offer to ivr.main_menu_screens.
"""

from ivr import expert_prompts, flow, main_menu_screens, prompts
from ivr.screen_types import Action, Go, Line, Menu, RecordStep, Turn, step_url
from transcription import helpdesk


def install() -> None:
    """Add the expert's screens and prompts; an expert's call starts with their questions."""
    prompts.PROMPTS.update(expert_prompts.PROMPTS)
    flow.SCREENS.update(SCREENS)
    if expert_start not in main_menu_screens.START_OFFERS:
        main_menu_screens.START_OFFERS = (expert_start, *main_menu_screens.START_OFFERS)


def _expert(turn: Turn):
    contact = turn.call.contact
    return helpdesk.expert_by_phone(contact.phone) if contact is not None else None


def expert_start(turn: Turn) -> Go | None:
    """The call start for a recognised expert: their questions first."""
    return Go("expert") if _expert(turn) is not None else None


def expert_home(turn: Turn) -> Menu | Go:
    """How many questions wait in the expert's topics; 1 plays the first, 2 the callers' main menu."""
    expert = _expert(turn)
    if expert is None:
        return Go("menu")
    waiting = helpdesk.waiting_questions(expert)
    options: dict[str, Action] = {"2": Go("menu")}
    if not waiting:
        return Menu([Line("expert_none"), Line("expert_to_menu")], options, back=Go("menu"))
    options["1"] = Go("expert_question", {"question": waiting[0].id})
    lines = [Line("expert_waiting", {"count": len(waiting)}), Line("expert_first"), Line("expert_to_menu")]
    return Menu(lines, options, back=Go("menu"))


def _waiting_one(turn: Turn):
    expert = _expert(turn)
    question_id = turn.int_arg("question")
    found = [q for q in helpdesk.waiting_questions(expert)] if expert is not None else []
    return expert, next((q for q in found if q.id == question_id), None), found


def expert_question(turn: Turn) -> Menu | Go:
    """The caller's question; 1 records the answer, 2 goes on to the next question, 0 plays it again."""
    expert, question, waiting = _waiting_one(turn)
    if question is None:
        return Go("expert")
    later = waiting[waiting.index(question) + 1 :]
    after = Go("expert_question", {"question": later[0].id}) if later else Go("expert")
    options = {"1": Go("expert_record", {"question": question.id}), "2": after}
    url = helpdesk.question_audio_url(question.id)
    return Menu([Line(url=url), Line("expert_question_options")], options, back=Go("expert"))


def expert_record(turn: Turn) -> RecordStep | Go:
    _, question, _ = _waiting_one(turn)
    if question is None:
        return Go("expert")
    here = {"question": question.id}
    return RecordStep(
        [Line("expert_record")],
        action=step_url("expert_recorded", **here),
        empty=step_url("expert_question", **here),
    )


def expert_recorded(turn: Turn) -> Go:
    """<Record action>: on to keep or re-record, carrying the recording's URL."""
    url, question_id = turn.form.get("RecordingUrl", ""), turn.int_arg("question")
    if not url or turn.form.get("RecordingDuration") == "0":
        return Go("expert_question", {"question": question_id})
    return Go("expert_review", {"question": question_id, "url": url})


def expert_review(turn: Turn) -> Menu | Go:
    expert, question, _ = _waiting_one(turn)
    if question is None or not turn.args.get("url"):
        return Go("expert")
    here = {"question": question.id}
    options = {"1": _keep(expert.id, turn.args["url"]), "2": Go("expert_record", here)}
    return Menu([Line("expert_review_options")], options, back=Go("expert_question", here))


def _keep(staff_id: int, url: str):
    def keep(turn: Turn) -> Go:
        helpdesk.answer_by_phone(turn.int_arg("question"), staff_id, url)
        return Go("expert", notice=("expert_answer_kept",))

    return keep


SCREENS = {
    "expert": expert_home,
    "expert_question": expert_question,
    "expert_record": expert_record,
    "expert_recorded": expert_recorded,
    "expert_review": expert_review,
}
