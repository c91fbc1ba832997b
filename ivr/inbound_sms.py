"""Texts to the line: keywords acted on once per message, replies, and the curators' inbox."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import people
from core.db import db
from core.logs import mask_phone
from core.models import Contact, SuppressionEvent
from ivr import call_records, missed_calls
from ivr.models import (
    SmsMessage,
)

log = logging.getLogger(__name__)


def receive_sms(form, body: str, keyword: str, script_language: str) -> tuple[str | None, str]:
    """Act on a text message once (a retried webhook changes nothing); returns (reply id, language)."""
    phone = form.get("From") if call_records.E164.match(form.get("From") or "") else None
    contact = call_records.contact_for(phone)
    language = (contact.language_code if contact else None) or script_language
    if db.session.scalar(select(SmsMessage.id).filter_by(message_sid=form["MessageSid"])) is None:
        fields = {"contact_id": contact.id if contact else None, "keyword": keyword, "body": body}
        _act_once(SmsMessage(message_sid=form["MessageSid"], **fields), contact)
    # A replay acts on nothing (a JOIN replayed after a STOP opts nobody in); a retry gets its reply again.
    return _sms_reply(contact, keyword), language


def _act_once(message: SmsMessage, contact: Contact | None) -> None:
    """Store the message and its effect in one commit: whoever inserts the MessageSid acts, once."""
    db.session.add(message)
    try:
        if contact is not None:
            _sms_action(contact, message)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def _sms_action(contact: Contact, message: SmsMessage) -> None:
    keyword = message.keyword
    if keyword == SmsMessage.STOP:
        if contact.opted_out_at is None:
            log.info("contact %s opted out by SMS", mask_phone(contact.phone))
        people.opt_out(contact, SuppressionEvent.SMS)
    elif keyword == SmsMessage.JOIN:
        people.opt_in(contact, SuppressionEvent.SMS)
    elif keyword == SmsMessage.CALL_ME and not contact.opted_out_at:
        missed_calls.queue_callback(contact.id, message.message_sid)


def _sms_reply(contact: Contact | None, keyword: str) -> str | None:
    if contact is None:
        return "thanks" if keyword == SmsMessage.TEXT else None
    if keyword in (SmsMessage.STOP, SmsMessage.JOIN):
        return "stopped" if keyword == SmsMessage.STOP else "joined"
    if keyword == SmsMessage.CALL_ME:
        return "call_stopped" if contact.opted_out_at else "calling"
    return "help" if keyword == SmsMessage.HELP else None if contact.opted_out_at else "thanks"


def sms_inbox(show: str = SmsMessage.NEW, limit: int = 200) -> list[SmsMessage]:
    """Free-text messages for curators, newest first: new ones, or all."""
    query = select(SmsMessage).where(SmsMessage.keyword == SmsMessage.TEXT)
    if show == SmsMessage.NEW:
        query = query.where(SmsMessage.status == SmsMessage.NEW)
    return list(db.session.scalars(query.order_by(SmsMessage.created_at.desc()).limit(limit)))


def mark_sms_read(message_id: int) -> bool:
    """Mark a free-text message as read; False if it does not exist."""
    message = db.session.get(SmsMessage, message_id)
    if message is None:
        return False
    message.status = SmsMessage.READ
    db.session.commit()
    return True
