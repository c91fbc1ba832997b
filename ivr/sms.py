"""Inbound SMS (Twilio's "a message comes in" webhook): keywords in English and Hindi, free text for curators.

A keyword is the whole message, compared after Unicode normalisation, case folding and removing
spaces, punctuation and invisible joiners: " Stop! ", "stop" and "S T O P" are all STOP, "कॉल करें"
and "कॉलकरें" are both CALL ME. Anything else is free text, kept for curators.

Twilio itself answers the standard English words (STOP, START, HELP and their synonyms, sent as one
exact word) on long codes and toll-free numbers: it blocks or unblocks the sender and replies in
English. For those we act on our own suppression list but send no reply of our own (it would be a
second answer, and after STOP Twilio refuses it with error 21610). Set TWILIO_HANDLES_OPT_OUT=no where
Twilio's handling is off (or another provider forwards the messages) and we answer them too.
"""

import logging
import re
import unicodedata

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError
from twilio.twiml.messaging_response import MessagingResponse

from core.auth import role_required
from core.config import is_on
from core.db import db
from core.twilio import is_sid, webhook
from ivr import (
    inbound_sms,
    sms_spool,
)
from ivr.models import SmsMessage

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms", template_folder="templates")

MAX_BODY_CHARACTERS = 1600  # Twilio's own limit for one message; anything longer is cut, not refused

# Every spelling, normalised as `keyword_key` does. Hindi: रोकें/रोको "stop", बंद/बन्द "closed, off",
# शुरू "start", चालू "switched on", जुड़ें "join", मदद/सहायता "help", कॉल करें "please call"; common
# romanised Hindi (band, ruko, shuru, madad, call karo) because many phones type Latin letters only.
KEYWORDS = {
    SmsMessage.STOP: [
        "stop",
        "stopall",
        "unsubscribe",
        "end",
        "quit",
        "cancel",
        "optout",
        "revoke",
        "रोकें",
        "रोको",
        "रोक",
        "रोकिए",
        "बंद",
        "बन्द",
        "बंदकरें",
        "बंदकरो",
        "बन्दकरें",
        "band",
        "bandkaro",
        "ruko",
    ],
    SmsMessage.JOIN: [
        "join",
        "start",
        "unstop",
        "subscribe",
        "शुरू",
        "शुरु",
        "शुरूकरें",
        "शुरुकरें",
        "चालू",
        "चालूकरें",
        "जुड़ें",
        "जुड़ना",
        "shuru",
        "chalu",
    ],
    SmsMessage.HELP: ["help", "info", "मदद", "सहायता", "madad"],
    SmsMessage.CALL_ME: [
        "callme",
        "call",
        "callback",
        "pleasecallme",
        "कॉलकरें",
        "कॉलकरो",
        "कॉल",
        "मुझेकॉलकरें",
        "कालकरें",
        "काॅलकरें",
        "फोनकरें",
        "फ़ोनकरें",
        "callkaro",
        "callkaren",
        "callkarein",
    ],
}
# What Twilio's built-in opt-out answers by itself: exactly one of these words (any case, trimmed).
TWILIO_WORDS = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "END",
    "QUIT",
    "CANCEL",
    "OPTOUT",
    "REVOKE",
    "START",
    "YES",
    "UNSTOP",
    "HELP",
    "INFO",
}

# Replies, short enough for one or two segments (Hindi SMS is UCS-2: 70 characters a segment).
REPLIES = {
    "stopped": {
        "hi": "चौपाल: हमारे संदेश और कॉल बंद कर दिए गए। फिर शुरू करने के लिए शुरू लिखें।",
        "en": "Chaupal: you will get no more messages or calls from us. Reply JOIN to start again.",
    },
    "joined": {
        "hi": "चौपाल: स्वागत है! अब आपको हमारे संदेश और कॉल मिलेंगे। बंद करने के लिए रोकें लिखें।",
        "en": "Chaupal: welcome! You will get our messages and calls. Reply STOP to stop them.",
    },
    "help": {
        "hi": "चौपाल: सीखने की मुफ़्त लाइन। कॉल पाने के लिए कॉल करें लिखें, बंद करने के लिए रोकें।",
        "en": "Chaupal, the free learning line. Reply CALL ME for a call from us, STOP to stop messages.",
    },
    "calling": {
        "hi": "चौपाल: हम आपको एक मिनट में कॉल करेंगे।",
        "en": "Chaupal: we will call you within a minute.",
    },
    "call_stopped": {
        "hi": "चौपाल: आपने हमारी कॉल बंद की हुई हैं। पहले शुरू लिखें, फिर कॉल करें।",
        "en": "Chaupal: you have stopped our calls. Reply JOIN first, then CALL ME.",
    },
    "thanks": {
        "hi": "चौपाल: धन्यवाद, हमारी टीम आपका संदेश पढ़ेगी।",
        "en": "Chaupal: thank you, our team will read your message.",
    },
}
# Answers that hold without the database (a call-me waits for the spool: we cannot promise the call yet).
SPOOLED_REPLIES = {
    SmsMessage.STOP: "stopped",
    SmsMessage.JOIN: "joined",
    SmsMessage.HELP: "help",
    SmsMessage.TEXT: "thanks",
}
_LOOKUP = {word: keyword for keyword, words in KEYWORDS.items() for word in words}
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def keyword_key(body: str) -> str:
    """The message reduced for matching: NFC, case-folded, only letters, marks and digits kept."""
    text = unicodedata.normalize("NFC", body or "").casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def understand(body: str) -> str:
    """The keyword a message is (SmsMessage.STOP, JOIN, HELP, CALL_ME), or SmsMessage.TEXT."""
    return _LOOKUP.get(keyword_key(body), SmsMessage.TEXT)


def script_language(body: str) -> str:
    """hi for a message in Devanagari, en otherwise: the reply language for someone we do not know yet."""
    return "hi" if _DEVANAGARI.search(body or "") else "en"


def answered_by_twilio(body: str) -> bool:
    """True when Twilio's built-in opt-out handling has already replied to this message."""
    return (
        is_on(current_app.config, "TWILIO_HANDLES_OPT_OUT") and (body or "").strip().upper() in TWILIO_WORDS
    )


def reply_xml(reply_id: str | None, language: str) -> str:
    """TwiML with one <Message> in the language (English if there is none), or an empty <Response/>."""
    response = MessagingResponse()
    if reply_id:
        texts = REPLIES[reply_id]
        response.message(texts.get(language) or texts["en"])
    return str(response)


@bp.post("/incoming")
@webhook
def incoming():
    if not is_sid(request.form.get("MessageSid")):
        abort(400)
    body = request.form.get("Body", "").replace("\x00", "")[:MAX_BODY_CHARACTERS]
    keyword = understand(body)
    try:
        reply_id, language = inbound_sms.receive_sms(request.form, body, keyword, script_language(body))
    except (OperationalError, SQLTimeoutError) as error:
        reply_id, language = _keep_for_later(request.form, keyword, error), script_language(body)
    if answered_by_twilio(body):
        reply_id = None
    return Response(reply_xml(reply_id, language), mimetype="text/xml")


def receive_spooled(entry: dict) -> None:
    """Act on a message the webhook kept aside (no reply now: the webhook answered at the time)."""
    body = entry.get("Body", "")
    inbound_sms.receive_sms(entry, body, understand(body), script_language(body))


def _keep_for_later(form, keyword: str, error: Exception) -> str | None:
    # The database is locked or down: the message is kept and applied later, so a STOP is never lost.
    db.session.rollback()
    where = sms_spool.keep(form)
    log.warning("SMS kept in the %s spool, the database failed: %s", where, type(error).__name__)
    return SPOOLED_REPLIES.get(keyword)


@bp.get("/")
@role_required("curator")
def inbox():
    show = request.args.get("show", SmsMessage.NEW)
    return render_template("ivr/sms_inbox.html", messages=inbound_sms.sms_inbox(show), show=show)


@bp.post("/<int:message_id>/read")
@role_required("curator")
def mark_read(message_id: int):
    if not inbound_sms.mark_sms_read(message_id):
        abort(404)
    return redirect(url_for("sms.inbox"), code=303)
