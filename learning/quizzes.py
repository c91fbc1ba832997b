"""Quiz items: authoring them (checked whole before anything is saved) and storing answers."""

import json
import uuid
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import func, select

from audio import lesson_library, prompt_audio
from audio.models import Lesson
from core import params
from core.db import db
from core.models import Language
from core.words import language_name
from learning import clock, reasks
from learning.errors import LearningError
from learning.models import Answer, QuizItem, QuizItemVersion

KEYS = "123456789"
MIN_OPTIONS, MAX_OPTIONS = 2, 4
MAX_ITEMS_PER_LESSON = 3


@dataclass
class Upload:
    """An uploaded question recording: the file object and its name."""

    stream: BinaryIO
    filename: str


@dataclass
class Wording:
    language_code: str
    question: str
    labels: dict[str, str]
    explanation: str
    upload: Upload | None = None


@dataclass
class ItemDraft:
    """A submitted item, checked: nothing about it is saved until every check passed."""

    keys: list[str]
    right_key: str
    lesson_id: int | None
    topic_id: int | None
    status: str
    wordings: list[Wording] = field(default_factory=list)


def item_form(
    question: str,
    options: dict[str, str],
    right: str,
    explanation: str,
    language: str = "hi",
    **fields,
) -> dict:
    """The form a curator submits, from plain values (used by scripts and tests)."""
    form = {"right_key": right, "status": QuizItem.PUBLISHED, **{k: str(v) for k, v in fields.items()}}
    form[f"question_{language}"] = question
    form[f"explanation_{language}"] = explanation
    for row, (key, label) in enumerate(options.items(), start=1):
        form[f"key_{row}"] = key
        form[f"label_{language}_{row}"] = label
    return form


def parse(form: dict, uploads: dict[str, Upload] | None = None) -> ItemDraft:
    """Check a submitted item; LearningError names the first problem."""
    keys = _option_keys(form)
    right = str(form.get("right_key") or "").strip()
    if not right:
        raise LearningError(gettext("choose the right key: an item needs one right answer"))
    if right not in keys:
        raise LearningError(
            gettext(
                "the right key %(key)s is not one of the option keys (%(keys)s)",
                key=right,
                keys=", ".join(keys),
            )
        )
    status = form.get("status") or QuizItem.DRAFT
    if status not in QuizItem.STATUSES:
        raise LearningError(gettext("choose draft, published or retired"))
    draft = ItemDraft(keys, right, _lesson_id(form), _int(form.get("topic_id")), status)
    draft.wordings = _wordings(form, keys, uploads or {})
    return draft


def _option_keys(form: dict) -> list[str]:
    keys = []
    for row in range(1, MAX_OPTIONS + 2):
        key = str(form.get(f"key_{row}") or "").strip()
        labelled = any(
            str(v).strip() for k, v in form.items() if k.startswith("label_") and k.endswith(f"_{row}")
        )
        if not key and not labelled:
            continue
        if len(key) != 1 or key not in KEYS:
            raise LearningError(
                gettext(
                    "option %(number)s: the key must be one digit from 1 to 9, not '%(key)s'",
                    number=row,
                    key=key,
                )
            )
        if key in keys:
            raise LearningError(gettext("two options use key %(key)s", key=key))
        keys.append(key)
    if not MIN_OPTIONS <= len(keys) <= MAX_OPTIONS:
        raise LearningError(
            gettext(
                "an item has %(least)s to %(most)s options, not %(count)s",
                least=MIN_OPTIONS,
                most=MAX_OPTIONS,
                count=len(keys),
            )
        )
    return keys


def _lesson_id(form: dict) -> int | None:
    raw = str(form.get("lesson_id") or "").strip()
    lesson_id = _int(raw)
    if raw and (lesson_id is None or db.session.get(Lesson, lesson_id) is None):
        raise LearningError(gettext("the lesson this item checks does not exist"))
    return lesson_id


def _int(value) -> int | None:
    return params.whole_number(str(value or "").strip())


def _wordings(form: dict, keys: list[str], uploads: dict[str, Upload]) -> list[Wording]:
    wordings = []
    for language in db.session.scalars(select(Language).order_by(Language.menu_digit)):
        wording = _wording(form, language, keys, uploads.get(language.code))
        if wording is not None:
            wordings.append(wording)
    if not wordings:
        raise LearningError(gettext("write the question (or upload its audio) in at least one language"))
    return wordings


def _wording(form: dict, language: Language, keys: list[str], upload: Upload | None) -> Wording | None:
    code = language.code
    question = str(form.get(f"question_{code}") or "").strip()
    if not question and upload is None:
        return None
    labels = {key: str(form.get(f"label_{code}_{row}") or "").strip() for row, key in _rows(form, keys)}
    missing = [key for key, label in labels.items() if not label]
    if missing:
        raise LearningError(
            gettext(
                "%(language)s: say what key %(key)s stands for", language=language_name(code), key=missing[0]
            )
        )
    explanation = str(form.get(f"explanation_{code}") or "").strip()
    if not explanation:
        raise LearningError(
            gettext(
                "%(language)s: write the short explanation played after the answer",
                language=language_name(code),
            )
        )
    return Wording(code, question, labels, explanation, upload)


def _rows(form: dict, keys: list[str]) -> list[tuple[int, str]]:
    rows = [(row, str(form.get(f"key_{row}") or "").strip()) for row in range(1, MAX_OPTIONS + 2)]
    return [(row, key) for row, key in rows if key in keys]


def save_item(item: QuizItem | None, form: dict, staff_id: int | None, uploads=None) -> QuizItem:
    """Create or update an item from a form; LearningError (and nothing saved) if anything is wrong."""
    draft = parse(form, uploads)
    audio_ids = _store_audio(draft)  # checked and stored before any row, so a bad file saves nothing
    item = item or QuizItem(created_by_id=staff_id)
    item.option_keys = "".join(draft.keys)
    item.right_key = draft.right_key
    item.lesson_id = draft.lesson_id
    item.topic_id = draft.topic_id
    _set_status(item, draft.status)
    _set_versions(item, draft.wordings, audio_ids)
    db.session.add(item)
    db.session.commit()
    return item


def _store_audio(draft: ItemDraft) -> dict[str, str]:
    stored = {}
    for wording in draft.wordings:
        if wording.upload is None:
            continue
        prompt_id = f"quiz.{uuid.uuid4().hex[:16]}"
        try:
            prompt_audio.save_prompt_audio(
                prompt_id, wording.language_code, wording.upload.stream, wording.upload.filename
            )
        except lesson_library.LibraryError as error:
            db.session.rollback()
            raise LearningError(
                gettext(
                    "question audio (%(language)s): %(error)s",
                    language=language_name(wording.language_code),
                    error=error,
                )
            ) from None
        stored[wording.language_code] = prompt_id
    return stored


def _set_status(item: QuizItem, status: str) -> None:
    item.status = status
    item.retired_at = clock.now() if status == QuizItem.RETIRED else None


def _set_versions(item: QuizItem, wordings: list[Wording], audio_ids: dict[str, str]) -> None:
    existing = {v.language_code: v for v in item.versions}
    kept = []
    for wording in wordings:
        version = existing.get(wording.language_code) or QuizItemVersion(language_code=wording.language_code)
        version.question = wording.question
        version.explanation = wording.explanation
        version.options = json.dumps(wording.labels, ensure_ascii=False)
        version.audio_prompt_id = audio_ids.get(wording.language_code, version.audio_prompt_id or "")
        kept.append(version)
    item.versions = kept


def lesson_items(lesson_id: int) -> list[QuizItem]:
    """The published items checking a lesson, at most three, oldest first."""
    query = (
        select(QuizItem)
        .where(QuizItem.lesson_id == lesson_id, QuizItem.status == QuizItem.PUBLISHED)
        .order_by(QuizItem.id)
        .limit(MAX_ITEMS_PER_LESSON)
    )
    return list(db.session.scalars(query))


def retire_lesson_items(lesson_id: int) -> int:
    """Retire every item tied to a lesson (its advice is outdated); returns how many."""
    items = db.session.scalars(select(QuizItem).where(QuizItem.lesson_id == lesson_id))
    count = 0
    for item in items:
        if item.status != QuizItem.RETIRED:
            _set_status(item, QuizItem.RETIRED)
            count += 1
    return count


def record_answer(
    call_sid: str,
    contact_id: int,
    item: QuizItem,
    key: str,
    stage: str,
    latency_ms: int | None = None,
    enrolment_id: int | None = None,
) -> Answer:
    """Store one answer (key '' = skipped) and move the item in the learner's re-ask schedule."""
    repeated = db.session.scalar(
        select(Answer).filter_by(call_sid=call_sid, item_id=item.id, stage=stage, contact_id=contact_id)
    )
    if repeated is not None:  # Twilio retried the webhook: the answer is already in
        return repeated
    earlier = select(func.count()).where(Answer.contact_id == contact_id, Answer.item_id == item.id)
    answer = Answer(
        call_sid=call_sid,
        contact_id=contact_id,
        item_id=item.id,
        enrolment_id=enrolment_id,
        stage=stage,
        key=key if key in KEYS else "",
        correct=key == item.right_key,
        latency_ms=latency_ms,
        attempt=(db.session.scalar(earlier) or 0) + 1,
        box_before=reasks.box_of(contact_id, item.id),
        answered_at=clock.now(),
    )
    db.session.add(answer)
    reasks.after_answer(contact_id, item.id, answer.correct, skipped=not answer.key, stage=stage)
    return answer
