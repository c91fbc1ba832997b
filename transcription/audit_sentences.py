"""The curators' audit log as sentences: who did what to which recording, and each field that changed.

An entry stores the action, the object's table and id, and the values before and after as JSON. Staff
know recordings by the number on the review page, so every sentence names the recording, whatever
row (review, transcript, question) the entry is about.
"""

import json

from flask_babel import gettext

from core.db import db
from core.models import Contact, Topic
from core.words import topic_name
from transcription import approve_form, labels
from transcription.erasure import ERASED
from transcription.models import AuditEntry, Question, Review, Transcript

QUOTED_LENGTH = 80  # longer texts (transcripts, notes) are cut in the sentence


def audit_sentence(entry: AuditEntry) -> str:
    """'Asha approved story “Pit lining” (recording 4): title changed from “…” to “…”.'"""
    before, after = _values(entry.before), _values(entry.after)
    erased = entry.before == ERASED or entry.after == ERASED
    what = _what(entry, after, _recording_number(entry))
    if erased:
        return gettext("%(what)s (personal details removed at the person's request).", what=what)
    changes = _changes(entry, before, after)
    if not changes:
        return gettext("%(what)s.", what=what)
    return gettext("%(what)s: %(changes)s.", what=what, changes="; ".join(changes))


def _values(text: str) -> dict:
    try:
        values = json.loads(text or "{}")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def _who(entry: AuditEntry) -> str:
    if entry.staff is None:
        return gettext("The phone line") if entry.staff_id is None else gettext("Former staff")
    return entry.staff.name or entry.staff.username


def _recording_number(entry: AuditEntry) -> int | None:
    """The recording the entry is about, as numbered on the review page (None once erased)."""
    model = {"reviews": Review, "transcripts": Transcript, "helpdesk_questions": Question}.get(
        entry.object_type
    )
    row = db.session.get(model, entry.object_id) if model is not None else None
    return getattr(row, "recording_id", None)


def _what(entry: AuditEntry, after: dict, number: int | None) -> str:
    """The main clause: who did what to which recording (or question, caller, staff member)."""
    who, action = _who(entry), entry.action
    recording = str(number) if number is not None else gettext("(erased)")
    values = {"who": who, "number": recording, "question": entry.object_id}
    if action == "approve_story" and isinstance(after.get("title"), str):
        return gettext(
            "%(who)s approved story “%(title)s” (recording %(number)s)", title=after["title"], **values
        )
    if action.startswith("tag_"):
        values["topic"] = _topic(after.get("topic_id"))
    if action == "recognition_preference":
        return _recognition(who, entry, after)
    sentence = SENTENCES.get(action)
    if sentence is None:
        return gettext("%(who)s: %(action)s", who=who, action=action.replace("_", " "))
    return sentence() % values


def _recognition(who: str, entry: AuditEntry, after: dict) -> str:
    contact = db.session.get(Contact, entry.object_id)
    caller = contact.masked_phone if contact is not None else gettext("(erased)")
    if after.get("recognition"):
        return gettext("%(who)s turned thank-you messages on for caller %(caller)s", who=who, caller=caller)
    return gettext("%(who)s turned thank-you messages off for caller %(caller)s", who=who, caller=caller)


# Functions, so each sentence is translated when the page is drawn, in the reader's language.
SENTENCES = {
    "approve_story": lambda: gettext("%(who)s approved story (recording %(number)s)"),
    "approve_reply": lambda: gettext("%(who)s approved reply (recording %(number)s)"),
    "reject": lambda: gettext("%(who)s rejected recording %(number)s"),
    "keep_for_trainers": lambda: gettext("%(who)s kept recording %(number)s for trainers only"),
    "mark_question": lambda: gettext("%(who)s sent recording %(number)s to the help desk"),
    "edit_transcript": lambda: gettext("%(who)s corrected the transcript of recording %(number)s"),
    "edit_notes": lambda: gettext("%(who)s changed the notes on recording %(number)s"),
    "tag_accept": lambda: gettext("%(who)s accepted topic %(topic)s for recording %(number)s"),
    "tag_reject": lambda: gettext("%(who)s rejected topic %(topic)s for recording %(number)s"),
    "tag_add": lambda: gettext("%(who)s added topic %(topic)s to recording %(number)s"),
    "route_question": lambda: gettext(
        "%(who)s put question %(question)s (recording %(number)s) in the help desk"
    ),
    "expert_topics": lambda: gettext("%(who)s chose their help-desk topics"),
    "answer_question": lambda: gettext(
        "%(who)s recorded an answer to question %(question)s (recording %(number)s)"
    ),
    "call_again": lambda: gettext(
        "%(who)s had the asker of question %(question)s (recording %(number)s) called again"
    ),
    "publish_answer": lambda: gettext(
        "%(who)s published question %(question)s (recording %(number)s) with its answer as a peer story"
    ),
}


def _changes(entry: AuditEntry, before: dict, after: dict) -> list[str]:
    """One phrase per field whose value changed, in a fixed order."""
    phrases = []
    for field, describe in FIELDS.items():
        old, new = before.get(field), after.get(field)
        if field in after and old != new:
            phrase = describe(entry, old, new)
            if phrase:
                phrases.append(phrase)
    return phrases


def _status(entry: AuditEntry, old, new) -> str:
    name = labels.question_status if entry.object_type == "helpdesk_questions" else labels.review_status
    return gettext("status changed from %(before)s to %(after)s", before=name(old), after=name(new))


def _title(_entry, old, new) -> str:
    if not old:
        return ""  # a first publication: the title is in the sentence already
    return gettext("title changed from “%(before)s” to “%(after)s”", before=old, after=new)


def _reason(_entry, _old, new) -> str:
    return gettext("reason: “%(reason)s”", reason=_quoted(new)) if new else ""


def _lesson(_entry, _old, new) -> str:
    return gettext("published as story lesson %(number)s", number=new) if new else ""


def _topics(_entry, old, new) -> str:
    if old is None:
        return gettext("topics: %(topics)s", topics=_topic_list(new))
    return gettext(
        "topics changed from %(before)s to %(after)s", before=_topic_list(old), after=_topic_list(new)
    )


def _cuts(_entry, old, new) -> str:
    if old is None:
        return gettext("trim: %(trim)s", trim=_trim(new))
    if _trim(old) == _trim(new):
        return ""  # the same cuts, written with 0 or None for the start
    return gettext("trim changed from “%(before)s” to “%(after)s”", before=_trim(old), after=_trim(new))


def _text(_entry, old, new) -> str:
    return gettext(
        "transcript changed from “%(before)s” to “%(after)s”", before=_quoted(old), after=_quoted(new)
    )


def _notes(_entry, old, new) -> str:
    if not old:
        return gettext("notes: “%(after)s”", after=_quoted(new))
    return gettext("notes changed from “%(before)s” to “%(after)s”", before=_quoted(old), after=_quoted(new))


def _question_topic(entry: AuditEntry, old, new) -> str:
    if entry.action.startswith("tag_"):
        return ""  # the sentence names the topic
    return gettext("topic: %(topic)s", topic=_topic(new))


def _answer(_entry, old, new) -> str:
    return gettext("a new answer replaced the earlier one") if old and new else ""


FIELDS = {
    "status": _status,
    "title": _title,
    "reason": _reason,
    "lesson_id": _lesson,
    "topics": _topics,
    "cuts": _cuts,
    "text": _text,
    "notes": _notes,
    "topic_id": _question_topic,
    "answer_key": _answer,
}


def _topic(topic_id) -> str:
    topic = db.session.get(Topic, topic_id) if isinstance(topic_id, int) else None
    return topic_name(topic) if topic is not None else gettext("no topic")


def _topic_list(topic_ids) -> str:
    if not topic_ids:
        return gettext("none")
    return ", ".join(_topic(topic_id) for topic_id in topic_ids)


def _trim(cuts) -> str:
    """'0.2 s to 1.9 s, without 0.5–0.75 s' from the stored cuts (milliseconds)."""
    cuts = cuts if isinstance(cuts, dict) else {}
    start, end = approve_form.seconds(cuts.get("start_ms") or 0), approve_form.seconds(cuts.get("end_ms"))
    removed = [f"{approve_form.seconds(a)}–{approve_form.seconds(b)}" for a, b in cuts.get("remove") or []]
    if start == "0" and not end and not removed:
        return gettext("the whole recording")
    if end:
        kept = gettext("%(start)s s to %(end)s s", start=start, end=end)
    else:
        kept = gettext("%(start)s s to the end", start=start)
    if removed:
        return gettext("%(kept)s, without %(spans)s s", kept=kept, spans=", ".join(removed))
    return kept


def _quoted(text) -> str:
    text = str(text or "")
    return text if len(text) <= QUOTED_LENGTH else text[: QUOTED_LENGTH - 1] + "…"
