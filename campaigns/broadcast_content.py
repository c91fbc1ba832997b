"""What a broadcast call plays (the lesson, the story digest) and what the listener did: heard it, feedback."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app

from audio import playback
from audio.models import Lesson
from campaigns import schedule, sending, status_callbacks
from campaigns.models import Campaign, Delivery
from core.db import db, utcnow
from core.models import Language

DIGEST_STORIES = 3


@dataclass
class BroadcastScript:
    say_language: str
    say_voice: str
    texts: dict  # the call's words by name (intro, feedback...), filled in by the phone line's prompts
    urls: list[str] = field(default_factory=list)
    hang_up: bool = False
    language_code: str = "en"


def broadcast_script(delivery_id: int, answered_by: str = "") -> BroadcastScript | None:
    """What to play on an answered broadcast call, in the contact's language; None if unknown."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != Delivery.VOICE:
        return None
    delivery.answered_by = answered_by[:20] or delivery.answered_by
    delivery.answered_at = delivery.answered_at or utcnow()
    status_callbacks.advance(delivery, Delivery.ANSWERED)
    language = _language(delivery.contact.language_code)
    urls = content_urls(delivery.campaign, language.code)
    if not urls and delivery.campaign.content != Campaign.NO_AUDIO:
        delivery.reason = "no_content"
        delivery.reason_detail = sending.REASONS["no_content"]
    db.session.commit()
    script = BroadcastScript(language.say_language, language.say_voice, {}, urls, language_code=language.code)
    script.hang_up = status_callbacks.machine_hung_up(delivery, answered_by)
    return script


def _language(code: str | None) -> Language:
    language = db.session.get(Language, code) if code else None
    return language or db.session.get(Language, current_app.config["DEFAULT_LANGUAGE"])


def content_urls(campaign: Campaign, language_code: str) -> list[str]:
    """Signed audio URLs the campaign plays in a language (the default language if it has no track)."""
    urls = _content_urls(campaign, language_code)
    default = current_app.config["DEFAULT_LANGUAGE"]
    return urls or (_content_urls(campaign, default) if language_code != default else [])


def _content_urls(campaign: Campaign, language_code: str) -> list[str]:
    if campaign.content in (Campaign.LESSON, Campaign.STORY) and campaign.lesson_id:
        return _lesson_urls(campaign.lesson_id, language_code)
    if campaign.content == Campaign.DIGEST:
        return [
            url for lesson in digest_stories(language_code) for url in _lesson_urls(lesson.id, language_code)
        ]
    return []


def _lesson_urls(lesson_id: int, language_code: str) -> list[str]:
    # a typed lesson plays its offline rendering; words never rendered (no espeak-ng) cannot be played
    return [item.url for item in playback.lesson_playlist(lesson_id, language_code) if item.url]


def digest_stories(language_code: str) -> list[Lesson]:
    """The week's top published stories in a language: the newest of the last 7 days, best placed first."""
    since = schedule.now() - timedelta(days=7)
    stories = playback.published_lessons(language_code, kind=Lesson.STORY)
    recent = [
        lesson for lesson, _track in stories if lesson.published_at and _aware(lesson.published_at) >= since
    ]
    return recent[:DIGEST_STORIES]


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=schedule.now().tzinfo)


def mark_listened(delivery_id: int) -> None:
    """The broadcast played to its end (Twilio fetched the URL after the last <Play>)."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is not None and delivery.listened_at is None:
        delivery.listened_at = utcnow()
        db.session.commit()


def record_feedback(delivery_id: int, digit: str) -> bool:
    """Key 1 = useful, 2 = not useful; True if the key was one of those."""
    delivery = db.session.get(Delivery, delivery_id)
    feedback = {"1": Delivery.USEFUL, "2": Delivery.NOT_USEFUL}.get(digit)
    if delivery is None or feedback is None:
        return False
    delivery.feedback = feedback
    db.session.commit()
    return True
