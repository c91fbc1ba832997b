"""What the curator pages read from a request: queue filters and pages, cut points, the zone, the expert check."""

import functools
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_login import current_user, login_required
from sqlalchemy import select

from core.db import db
from core.models import Block, Contact, District, Language, StaffUser, Topic
from core.params import iso_date, whole_number
from transcription import helpdesk, review_queue
from transcription.models import Review, Transcript

PAGE_SIZE = 50
FLAGS = (
    Transcript.NO_MODEL,
    Transcript.EMPTY,
    Transcript.LOW_CONFIDENCE,
    Transcript.MOSTLY_SILENCE,
    Transcript.CLIPPING,
    Transcript.SHORT_SPEECH,
)


def queue_pages(total: int) -> dict:
    """Which page of the queue to show (a page past the end shows the last), and how many there are."""
    last = max(1, -(-total // PAGE_SIZE))
    page = min(whole_number(request.args.get("page")) or 1, last)
    first_item = (page - 1) * PAGE_SIZE + 1 if total else 0
    return {
        "page": page,
        "last": last,
        "total": total,
        "first": first_item,
        "to": min(page * PAGE_SIZE, total),
    }


def queue_filters(args) -> review_queue.QueueFilters:
    """Filters from the query string; anything unreadable is ignored rather than refused."""
    status = args.get("status", Review.NEW)
    return review_queue.QueueFilters(
        kind=args.get("kind") or None,
        language=args.get("language") or None,
        topic_id=whole_number(args.get("topic")),
        needs_listening=True if args.get("listen") == "1" else None,
        flag=args.get("flag") or None,
        status=status if status in Review.STATUSES else None,
        district_id=whole_number(args.get("district")),
        block_id=whole_number(args.get("block")),
        role=args.get("role") if args.get("role") in Contact.ROLES else None,
        date_from=iso_date(args.get("from")),
        date_to=iso_date(args.get("to")),
    )


def active_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).filter_by(active=True).order_by(Topic.position)))


def filter_choices() -> dict:
    return {
        "languages": db.session.scalars(
            select(Language).filter_by(active=True).order_by(Language.menu_digit)
        ),
        "topics": active_topics(),
        "districts": db.session.scalars(select(District).order_by(District.name)),
        "blocks": db.session.scalars(select(Block).order_by(Block.name)),
    }


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def expert_required(view):
    """Curators and admins, and any staff member marked as an expert."""

    @functools.wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not helpdesk.may_answer(current_user):
            abort(403)
        return view(*args, **kwargs)

    guarded.allowed_roles = (StaffUser.ADMIN, StaffUser.CURATOR)  # plus experts of any role
    return guarded
