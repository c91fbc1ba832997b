"""Keypad polls: officers write 1-5 questions; callers answer by key; results by district, role and language.

A poll is sent as a campaign (a voice campaign that plays no audio: the phone line asks the questions)
or offered after a lesson. An anonymous poll stores no contact with its answers, so no export names anyone.
"""

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Select, func, select

from campaigns import editing
from campaigns.models import Campaign, Delivery, Poll, PollAnswer, PollQuestion
from core import words
from core.db import db
from core.metrics import BAR, Table
from core.models import Contact, District, StaffUser

BREAKDOWNS = {
    "district": lazy_gettext("District"),
    "role": lazy_gettext("Role"),
    "language": lazy_gettext("Language"),
}


class PollError(ValueError):
    """A poll that cannot be saved as written; the message says why."""


@dataclass
class QuestionForm:
    text_hi: str
    text_en: str
    choices: str  # labels separated by "|"


def create(title: str, questions: list[QuestionForm], anonymous: bool, user: StaffUser) -> Poll:
    """Save a poll of 1-5 questions, each with its words and 2-9 labelled choices; PollError if not."""
    if not title.strip():
        raise PollError(gettext("Give the poll a title."))
    asked = [q for q in questions if q.text_hi.strip() or q.text_en.strip()]
    if not 1 <= len(asked) <= Poll.MAX_QUESTIONS:
        raise PollError(gettext("A poll has 1 to %(most)s questions.", most=Poll.MAX_QUESTIONS))
    poll = Poll(title=title.strip()[:120], anonymous=anonymous, created_by_id=user.id)
    for position, form in enumerate(asked):
        poll.questions.append(_question(position, form))
    db.session.add(poll)
    db.session.commit()
    return poll


def _question(position: int, form: QuestionForm) -> PollQuestion:
    labels = [label.strip() for label in form.choices.split("|") if label.strip()]
    if not 2 <= len(labels) <= Poll.MAX_CHOICES:
        raise PollError(
            gettext(
                "Question %(number)s: give 2 to %(most)s choices separated by |.",
                number=position + 1,
                most=Poll.MAX_CHOICES,
            )
        )
    return PollQuestion(
        position=position,
        text_hi=form.text_hi.strip(),
        text_en=form.text_en.strip(),
        choices="|".join(labels),
    )


def send_as_campaign(poll: Poll, district_ids: list[str], user: StaffUser) -> Campaign:
    """A draft voice campaign for the poll (the officer schedules it on the campaign's page)."""
    form = {"name": f"Poll: {poll.title}"[:120], "kind": Campaign.VOICE, "content": Campaign.NO_AUDIO}
    campaign = editing.save_campaign(None, {**form, "district_ids": district_ids}, user)
    poll.campaign_id = campaign.id
    db.session.commit()
    return campaign


def attach_after_lesson(poll: Poll, lesson_id: int | None) -> None:
    """Offer the poll after this lesson (None: after no lesson)."""
    poll.after_lesson_id = lesson_id
    db.session.commit()


def for_delivery(delivery_id: int) -> Poll | None:
    """The poll a campaign call asks, if its campaign sends one."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    return db.session.scalar(select(Poll).filter_by(campaign_id=delivery.campaign_id).limit(1))


def after_lesson(lesson_id: int) -> Poll | None:
    """The poll offered after a lesson, if any."""
    return db.session.scalar(
        select(Poll).filter_by(after_lesson_id=lesson_id).order_by(Poll.id.desc()).limit(1)
    )


def answer(
    question: PollQuestion, call_sid: str, contact: Contact | None, choice: int, language_code: str
) -> None:
    """Store one key for one question on one call (a replayed key press changes nothing)."""
    found = db.session.scalar(select(PollAnswer).filter_by(question_id=question.id, call_sid=call_sid))
    if found is not None or not 1 <= choice <= len(question.labels):
        return
    db.session.add(_answer_row(question, call_sid, contact, choice, language_code))


def _answer_row(
    question: PollQuestion, call_sid: str, contact: Contact | None, choice: int, code: str
) -> PollAnswer:
    return PollAnswer(
        question_id=question.id,
        call_sid=call_sid,
        contact_id=None if question.poll.anonymous or contact is None else contact.id,
        district_id=contact.district_id if contact else None,
        role=(contact.role or "") if contact else "",
        language_code=code,
        choice=choice,
    )


def by_id(poll_id: int) -> Poll | None:
    """The poll with this id, or None."""
    return db.session.get(Poll, poll_id)


def hand_count(
    question: PollQuestion, call_sid: str, contact: Contact | None, choice: int, hands: int, code: str
) -> None:
    """A village meeting's raised hands for one choice: one row per call, question and choice."""
    # The call SID is made per choice so the (question, call) uniqueness still stops a replayed count.
    found = db.session.scalar(
        select(PollAnswer).filter_by(question_id=question.id, call_sid=f"{call_sid}:{choice}")
    )
    if found is not None or not 1 <= choice <= len(question.labels) or hands < 0:
        return
    answer_row = _answer_row(question, f"{call_sid}:{choice}", contact, choice, code)
    answer_row.hands = hands
    db.session.add(answer_row)


def answers_seen(question_id: int, district_ids: set[int] | None, *columns) -> Select:
    """A question's answers as one staff member may count them: an officer only their districts' answers.

    A national poll is asked in every district; an officer reads the answers of their own districts,
    as on every other page (None: admins and curators, every district).
    """
    query = select(*columns).where(PollAnswer.question_id == question_id)
    if district_ids is not None:
        query = query.where(PollAnswer.district_id.in_(district_ids))
    return query


def results(question: PollQuestion, district_ids: set[int] | None = None) -> Table:
    """Per choice: answers and share of all answers to the question (in the reader's districts)."""
    query = answers_seen(question.id, district_ids, PollAnswer.choice, func.sum(PollAnswer.hands))
    counts = dict(db.session.execute(query.group_by(PollAnswer.choice)).all())
    total = sum(counts.values())
    rows = [
        (label, counts.get(n, 0), _share(counts.get(n, 0), total))
        for n, label in enumerate(question.labels, 1)
    ]
    title = gettext(
        "Q%(number)s: %(words)s", number=question.position + 1, words=question.text(words.page_language())
    )
    columns = [gettext("Choice"), gettext("Answers"), gettext("Share (%)")]
    return Table(f"poll-q{question.id}", title, columns, rows, BAR, [1])


def breakdown(question: PollQuestion, by: str, district_ids: set[int] | None = None) -> Table:
    """Per district, role or language: answers to each choice and their share within the group."""
    group = {
        "district": PollAnswer.district_id,
        "role": PollAnswer.role,
        "language": PollAnswer.language_code,
    }[by]
    query = answers_seen(question.id, district_ids, group, PollAnswer.choice, func.sum(PollAnswer.hands))
    found = db.session.execute(query.group_by(group, PollAnswer.choice)).all()
    groups: dict[str, dict[int, int]] = {}
    for key, choice, count in found:
        groups.setdefault(_group_name(by, key), {})[choice] = count
    rows = [_group_row(name, counts, question.labels) for name, counts in sorted(groups.items())]
    columns = [str(BREAKDOWNS[by]), *[f"{label} (%)" for label in question.labels], gettext("Answers")]
    title = gettext(
        "Q%(number)s by %(group)s", number=question.position + 1, group=str(BREAKDOWNS[by]).lower()
    )
    return Table(f"poll-q{question.id}-{by}", title, columns, rows)


def _group_name(by: str, key) -> str:
    """A district, role or language as the page's reader says it; "not known" when the answer has none."""
    if by == "district":
        return words.place_name(db.session.get(District, key)) if key else str(words.language_name(None))
    if by == "role":
        return words.contact_role(key) if key else str(words.language_name(None))
    return words.language_name(key)


def _group_row(name: str, counts: dict[int, int], labels: list[str]) -> tuple:
    total = sum(counts.values())
    return (name, *[_share(counts.get(n, 0), total) for n in range(1, len(labels) + 1)], total)


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


# the answers CSV's columns, in the language of the person downloading it
CSV_COLUMNS = [
    lazy_gettext("question"),
    lazy_gettext("choice"),
    lazy_gettext("people"),
    lazy_gettext("district"),
    lazy_gettext("role"),
    lazy_gettext("language"),
    lazy_gettext("answered_at"),
]


def csv_rows(poll: Poll, district_ids: set[int] | None = None) -> tuple[list[str], list[tuple]]:
    """Every answer (in the reader's districts) as a row; an anonymous poll's rows carry no contact at all."""
    header = [str(word) for word in CSV_COLUMNS]
    header += [] if poll.anonymous else [gettext("contact_id")]
    names = dict(db.session.execute(select(District.id, District.name)).all())
    rows = []
    for question in poll.questions:
        query = answers_seen(question.id, district_ids, PollAnswer).order_by(PollAnswer.id)
        for found in db.session.scalars(query):
            rows.append(_csv_row(poll, question, found, names))
    return header, rows


def _csv_row(poll: Poll, question: PollQuestion, found: PollAnswer, names: dict) -> tuple:
    label = question.labels[found.choice - 1]
    place = names.get(found.district_id, "")
    when = found.created_at.isoformat()
    row = (question.position + 1, label, found.hands, place, found.role, found.language_code, when)
    return row if poll.anonymous else (*row, found.contact_id or "")


def may_see(user: StaffUser, poll: Poll) -> bool:
    """Officers see their own polls, their district colleagues' and national ones; admins and curators all."""
    allowed = user.district_ids()
    if allowed is None or poll.created_by_id == user.id:
        return True
    creator = db.session.get(StaffUser, poll.created_by_id) if poll.created_by_id else None
    made_for = creator.district_ids() if creator else None
    return made_for is None or bool(made_for & allowed)


def visible_polls(user: StaffUser) -> list[Poll]:
    """The polls this staff member may open, newest first."""
    return [poll for poll in all_polls() if may_see(user, poll)]


def all_polls() -> list[Poll]:
    """Every poll, newest first."""
    return list(db.session.scalars(select(Poll).order_by(Poll.id.desc())))
