"""Synthetic line activity in bulk, for measuring the analytics pages on a large database.

Rows go in through chunked Core inserts (one executemany per chunk): the packages' services work one
row at a time and would take hours for a million events. Everything is random but repeatable (seeded).
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from audio.models import Lesson, LessonSegment, LessonTrack, Recording
from campaigns.models import Campaign, CampaignRun, Delivery
from core.db import db
from core.models import Block, Contact, District, Topic
from ivr.listening_summaries import refresh_summaries
from ivr.models import Call, Feedback, ListenEvent
from transcription.models import Question, Review

CHUNK = 5000
NAMES = ("Sunita", "Ramesh", "Kamla", "Suresh", "Geeta", "Mohan", "Radha", "Vijay", "Anita", "Raju")
ROLES = ((Contact.MASON, 5), (Contact.MOTIVATOR, 3), (Contact.OFFICIAL, 1), (Contact.OTHER, 1))
LESSONS = 12


@dataclass
class Plan:
    """How much to make: `events` is calls plus listening events, spread over `days` days up to `until`."""

    events: int
    days: int = 180
    until: datetime = field(default_factory=lambda: datetime.now(UTC))
    seed: int = 1
    # The demo listens to the line's real published lessons and stories, marks its callers as demo
    # callers, and leaves stories and questions to the real ones it made itself.
    real_content: bool = False
    campaigns: tuple[str, ...] = (Campaign.VOICE, Campaign.SMS, Campaign.BOTH, Campaign.VOICE)  # one each
    created_by: str = Contact.SELF_REGISTERED


@dataclass
class Batch:
    """Rows waiting to be inserted, per model, written out whenever a chunk fills up."""

    counts: dict = field(default_factory=dict)
    pending: dict = field(default_factory=dict)

    def add(self, model, row: dict) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Insert everything pending, tables before the tables that refer to them."""
        order = [table.name for table in db.metadata.sorted_tables]
        for model in sorted(self.pending, key=lambda m: order.index(m.__tablename__)):
            rows = self.pending.pop(model)
            db.session.execute(insert(model), rows)
            self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)


class Ids:
    """The next free id of each table, so rows can refer to each other before they are written."""

    def __init__(self):
        self.next: dict = {}

    def take(self, model) -> int:
        if model not in self.next:
            self.next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        self.next[model] += 1
        return self.next[model] - 1


def line_has_calls() -> bool:
    """Whether the database already holds calls (synthetic rows must never mix with real ones)."""
    return db.session.scalar(select(Call.id).limit(1)) is not None


def seed(plan: Plan) -> dict[str, int]:
    """Insert synthetic line activity of every kind, then refresh the summaries; returns row counts."""
    rng, ids, batch = random.Random(plan.seed), Ids(), Batch()
    contacts = _contacts(plan, rng, ids, batch)
    if plan.real_content:
        lessons, stories = _published(Lesson.LESSON), _published(Lesson.STORY)
    else:
        lessons = _lessons(rng, ids, batch, Lesson.LESSON, LESSONS, plan)
        stories = _stories(plan, rng, ids, batch, contacts)
    batch.flush()
    _calls(plan, rng, ids, batch, contacts, (lessons, stories))
    _campaigns(plan, rng, ids, batch, contacts)
    batch.flush()
    db.session.commit()
    refresh_summaries()
    # fresh planner statistics: without them PostgreSQL guesses a district holds a handful of callers
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return batch.counts


def _published(kind: str) -> list[dict]:
    """The line's published lessons (or stories) as listening targets: id and Hindi segment count."""
    query = (
        select(Lesson.id, func.count(LessonSegment.id))
        .join(LessonTrack, LessonTrack.lesson_id == Lesson.id)
        .join(LessonSegment, LessonSegment.track_id == LessonTrack.id)
        .where(Lesson.kind == kind, Lesson.status == Lesson.PUBLISHED, LessonTrack.language_code == "hi")
        .group_by(Lesson.id)
        .order_by(Lesson.id)
    )
    rows = db.session.execute(query).all()
    return [{"id": i, "segments": n, "keep": 0.3 if k % 5 == 4 else 0.85} for k, (i, n) in enumerate(rows)]


def _moment(plan: Plan, rng: random.Random) -> datetime:
    # Calls come in daytime in India: 02:30-15:30 UTC is 08:00-21:00 IST.
    day = plan.until - timedelta(days=rng.randrange(plan.days))
    start = day.replace(hour=2, minute=30, second=0, microsecond=0)
    return min(plan.until, start + timedelta(seconds=rng.randrange(13 * 3600)))


def _contacts(plan: Plan, rng: random.Random, ids: Ids, batch: Batch) -> list[dict]:
    places = [(b.district_id, b.id) for b in db.session.scalars(select(Block))]
    places += [(d, None) for d in db.session.scalars(select(District.id))]
    roles = [role for role, weight in ROLES for _ in range(weight)]
    contacts = []
    first = ids.take(Contact)
    for n in range(max(50, plan.events // 50)):
        district_id, block_id = rng.choice(places)
        row = {
            "id": first + n,
            "phone": f"+9170{first + n:08d}",
            "name": rng.choice(NAMES) if rng.random() < 0.4 else "",
            "role": rng.choice(roles),
            "language_code": "hi" if rng.random() < 0.8 else "en",
            "district_id": district_id,
            "block_id": block_id,
            "created_at": plan.until - timedelta(days=plan.days + 1),
            "created_by": plan.created_by,
        }
        batch.add(Contact, row)
        contacts.append(row)
    ids.next[Contact] = first + len(contacts)
    return contacts


def _lessons(
    rng: random.Random, ids: Ids, batch: Batch, kind: str, count: int, plan: Plan, **extra
) -> list[dict]:
    topics = list(db.session.scalars(select(Topic.id)))
    made = []
    for n in range(count):
        lesson = {
            "id": ids.take(Lesson),
            "kind": kind,
            "status": Lesson.PUBLISHED,
            "topic_id": rng.choice(topics),
            "published_at": plan.until - timedelta(days=plan.days + 1),
            **{key: values[n] for key, values in extra.items()},
        }
        batch.add(Lesson, dict(lesson))
        lesson["segments"] = rng.randint(1, 3) if kind == Lesson.STORY else rng.randint(2, 6)
        # a few lessons lose most listeners in their first segment: the drop-off flag has work to do
        lesson["keep"] = 0.3 if n % 5 == 4 else 0.85
        _tracks(rng, ids, batch, lesson, f"{'Story' if kind == Lesson.STORY else 'Lesson'} {lesson['id']}")
        made.append(lesson)
    return made


def _tracks(rng: random.Random, ids: Ids, batch: Batch, lesson: dict, title: str) -> None:
    for language in ("hi", "en"):
        track_id = ids.take(LessonTrack)
        batch.add(
            LessonTrack,
            {"id": track_id, "lesson_id": lesson["id"], "language_code": language, "title": title},
        )
        for position in range(lesson["segments"]):
            start = position * 60_000
            batch.add(
                LessonSegment,
                {
                    "id": ids.take(LessonSegment),
                    "track_id": track_id,
                    "position": position,
                    "start_ms": start,
                    "end_ms": start + rng.randint(20_000, 60_000),
                },
            )


def _stories(plan: Plan, rng: random.Random, ids: Ids, batch: Batch, contacts: list[dict]) -> list[dict]:
    count = max(10, plan.events // 2000)
    recordings = []
    for _ in range(count):
        teller = rng.choice(contacts)
        recording = _recording(plan, rng, ids, batch, teller, Recording.STORY)
        recordings.append(recording)
    batch.flush()  # lessons and recordings refer to each other: the recordings go first
    times = [min(plan.until, r["created_at"] + timedelta(hours=rng.uniform(2, 240))) for r in recordings]
    stories = _lessons(
        rng,
        ids,
        batch,
        Lesson.STORY,
        count,
        plan,
        published_at=times,
        source_recording_id=[r["id"] for r in recordings],
        topic_id=[r["topic_id"] for r in recordings],
    )
    for recording, story, published in zip(recordings, stories, times, strict=True):
        batch.add(
            Review,
            {
                "id": ids.take(Review),
                "recording_id": recording["id"],
                "status": Review.APPROVED,
                "lesson_id": story["id"],
                "decided_at": published,
                "published_at": published,
            },
        )
    return stories


def _recording(plan: Plan, rng: random.Random, ids: Ids, batch: Batch, contact: dict, kind: str) -> dict:
    row = {
        "id": ids.take(Recording),
        "contact_id": contact["id"],
        "kind": kind,
        "status": Recording.READY,
        "language_code": contact["language_code"],
        "topic_id": rng.choice(list(db.session.scalars(select(Topic.id)))) if rng.random() < 0.7 else None,
        "created_at": _moment(plan, rng) - timedelta(days=10),
    }
    row["created_at"] = max(row["created_at"], plan.until - timedelta(days=plan.days))
    batch.add(Recording, row)
    return row


def _calls(
    plan: Plan, rng: random.Random, ids: Ids, batch: Batch, contacts: list[dict], items: tuple[list, list]
) -> None:
    listens = plan.events - plan.events // 5
    heavy = contacts[: max(1, len(contacts) // 5)]  # a fifth of the callers make most of the calls
    for _ in range(plan.events // 5):
        contact = rng.choice(heavy if rng.random() < 0.6 else contacts)
        started = _moment(plan, rng)
        call_id = ids.take(Call)
        batch.add(
            Call,
            {
                "id": call_id,
                "call_sid": f"CA{call_id:032d}",
                "contact_id": contact["id"],
                "status": Call.COMPLETED,
                "language_code": contact["language_code"],
                "duration_seconds": rng.randint(20, 600),
                "started_at": started,
                "ended_at": started + timedelta(minutes=5),
                "updated_at": started,
            },
        )
        listens -= _listen(rng, ids, batch, call_id, contact, started, items, listens)
        if not plan.real_content:
            _record(plan, rng, ids, batch, contact, started)


def _heard(rng: random.Random, lessons: list[dict], stories: list[dict]) -> list[dict]:
    """What one call listens to: one or two items, most often lessons (about a third are peer stories)."""
    if not (lessons or stories):  # a demo line with nothing published yet: calls without listening
        return []
    picked = [
        rng.choice(lessons if (rng.random() < 0.7 or not stories) and lessons else stories)
        for _ in range(rng.choice((1, 1, 2)))
    ]
    return list({item["id"]: item for item in picked}.values())


def _listen(
    rng, ids, batch, call_id: int, contact: dict, at: datetime, items: tuple[list, list], budget: int
) -> int:
    written = 0
    for item in _heard(rng, *items):
        position = 0
        while written < budget and position < item["segments"]:
            events = [ListenEvent.START]
            going_on = rng.random() < (item["keep"] if position == 0 else 0.9)
            if going_on:
                events.append(ListenEvent.SKIP if rng.random() < 0.1 else ListenEvent.COMPLETE)
            for event in events[: budget - written]:
                batch.add(
                    ListenEvent,
                    {
                        "id": ids.take(ListenEvent),
                        "call_id": call_id,
                        "contact_id": contact["id"],
                        "lesson_id": item["id"],
                        "segment_position": position,
                        "event": event,
                        "created_at": at + timedelta(seconds=60 * position + 30 * len(events)),
                    },
                )
                written += 1
            if not going_on:
                break
            position += 1
        if position == item["segments"] and rng.random() < 0.6:
            batch.add(
                Feedback,
                {
                    "id": ids.take(Feedback),
                    "call_id": call_id,
                    "contact_id": contact["id"],
                    "lesson_id": item["id"],
                    "useful": rng.random() < 0.75,
                    "created_at": at + timedelta(minutes=6),
                },
            )
    return written


def _record(plan: Plan, rng: random.Random, ids: Ids, batch: Batch, contact: dict, at: datetime) -> None:
    roll = rng.random()
    if roll < 0.02:
        batch.add(
            Recording,
            {
                "id": ids.take(Recording),
                "contact_id": contact["id"],
                "kind": Recording.STORY,
                "status": Recording.READY,
                "language_code": contact["language_code"],
                "created_at": at,
            },
        )
    elif roll < 0.03:
        recording_id = ids.take(Recording)
        batch.add(
            Recording,
            {
                "id": recording_id,
                "contact_id": contact["id"],
                "kind": Recording.QUESTION,
                "status": Recording.READY,
                "language_code": contact["language_code"],
                "created_at": at,
            },
        )
        answered = at + timedelta(hours=rng.uniform(1, 96)) if rng.random() < 0.7 else None
        answered = answered if answered and answered < plan.until else None
        batch.add(
            Question,
            {
                "id": ids.take(Question),
                "recording_id": recording_id,
                "created_at": at,
                "answered_at": answered,
                "status": Question.ANSWERED if answered else Question.OPEN,
            },
        )


def _campaigns(plan: Plan, rng: random.Random, ids: Ids, batch: Batch, contacts: list[dict]) -> None:
    for n, kind in enumerate(plan.campaigns):
        campaign_id, run_id = ids.take(Campaign), ids.take(CampaignRun)
        sent = plan.until - timedelta(days=rng.randrange(min(plan.days, 28)))
        name = f"Demo campaign {n + 1}" if plan.created_by == Contact.DEMO else f"Campaign {n + 1}"
        batch.add(Campaign, {"id": campaign_id, "name": name, "kind": kind, "status": Campaign.DONE})
        batch.add(
            CampaignRun,
            {"id": run_id, "campaign_id": campaign_id, "scheduled_for": sent, "status": CampaignRun.DONE},
        )
        batch.flush()
        for contact in rng.sample(contacts, k=len(contacts) // 4):
            for channel in (Delivery.VOICE, Delivery.SMS):
                if kind in (channel, Campaign.BOTH):
                    batch.add(Delivery, _delivery(rng, ids, campaign_id, run_id, contact, channel, sent))


def _delivery(
    rng, ids: Ids, campaign_id: int, run_id: int, contact: dict, channel: str, sent: datetime
) -> dict:
    row = {
        "id": ids.take(Delivery),
        "run_id": run_id,
        "campaign_id": campaign_id,
        "contact_id": contact["id"],
        "channel": channel,
        **dict.fromkeys(("created_at", "sent_at", "not_before"), sent),
    }
    if channel == Delivery.SMS:
        return {**row, "state": Delivery.DELIVERED if rng.random() < 0.85 else Delivery.UNDELIVERED}
    if rng.random() < 0.55:
        listened = sent + timedelta(minutes=3) if rng.random() < 0.5 else None
        return {**row, "state": Delivery.COMPLETED, "answered_at": sent, "listened_at": listened}
    return {**row, "state": Delivery.NO_ANSWER}
