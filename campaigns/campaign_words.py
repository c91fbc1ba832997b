"""Campaign values as officers read them, in the page's language: statuses, kinds, contents, send states."""

from flask_babel import lazy_gettext

STATUS_NAMES = {
    "draft": lazy_gettext("draft"),
    "scheduled": lazy_gettext("scheduled"),
    "running": lazy_gettext("running"),
    "paused": lazy_gettext("paused"),
    "cancelled": lazy_gettext("cancelled"),
    "done": lazy_gettext("finished"),
}

KIND_NAMES = {
    "voice": lazy_gettext("Voice call"),
    "sms": lazy_gettext("SMS"),
    "both": lazy_gettext("Voice call and SMS"),
}

CONTENT_NAMES = {
    "lesson": lazy_gettext("a lesson"),
    "story": lazy_gettext("a published story"),
    "digest": lazy_gettext("the weekly digest of top stories"),
    "none": lazy_gettext("nothing (SMS only)"),
}

CHANNEL_NAMES = {"voice": lazy_gettext("call"), "sms": lazy_gettext("SMS")}

STATE_NAMES = {
    "queued": lazy_gettext("waiting"),
    "sending": lazy_gettext("sending"),
    "sent": lazy_gettext("sent"),
    "ringing": lazy_gettext("ringing"),
    "answered": lazy_gettext("answered"),
    "completed": lazy_gettext("listened"),
    "delivered": lazy_gettext("delivered"),
    "no_answer": lazy_gettext("no answer"),
    "busy": lazy_gettext("busy"),
    "failed": lazy_gettext("failed"),
    "undelivered": lazy_gettext("not delivered"),
    "canceled": lazy_gettext("cancelled"),
    "skipped": lazy_gettext("skipped"),
}

# why a send did not reach the person, by the reason code stored with it (sending.REASONS in English)
REASON_NAMES = {
    "opted_out": lazy_gettext("the contact opted out before sending"),
    "campaign_cancelled": lazy_gettext("the campaign was cancelled"),
    "no_answer": lazy_gettext("did not answer"),
    "busy": lazy_gettext("line busy"),
    "machine": lazy_gettext("an answering machine picked up"),
    "no_content": lazy_gettext("the lesson or story is no longer published"),
    "twilio_21211": lazy_gettext("not a valid phone number"),
    "twilio_21214": lazy_gettext("the number cannot be reached"),
    "twilio_21610": lazy_gettext("the person unsubscribed (replied STOP)"),
    "twilio_21612": lazy_gettext("Twilio cannot reach this number from our sender"),
    "twilio_21614": lazy_gettext("not a mobile number"),
    "twilio_30003": lazy_gettext("the phone was switched off or out of coverage"),
    "twilio_30005": lazy_gettext("unknown or inactive number"),
    "twilio_30006": lazy_gettext("a landline or a carrier that cannot take SMS"),
    "twilio_30007": lazy_gettext("the carrier filtered the message"),
    "twilio_30008": lazy_gettext("unknown delivery error at the carrier"),
}


def _word(names: dict, value: str | None) -> str:
    return str(names.get(value or "", value or ""))


def status_name(status: str) -> str:
    return _word(STATUS_NAMES, status)


def kind_name(kind: str) -> str:
    return _word(KIND_NAMES, kind)


def content_name(content: str) -> str:
    return _word(CONTENT_NAMES, content)


def channel_name(channel: str) -> str:
    return _word(CHANNEL_NAMES, channel)


def state_name(state: str) -> str:
    return _word(STATE_NAMES, state)


def reason_name(reason: str | None, detail: str | None = None) -> str:
    """Why a send failed: the known reason in the page's language, else what the provider said."""
    return str(REASON_NAMES[reason]) if reason in REASON_NAMES else (detail or reason or "")


def init_app(app) -> None:
    """Give the campaign templates these words."""
    app.jinja_env.globals.update(
        campaign_status=status_name,
        campaign_kind=kind_name,
        campaign_content=content_name,
        delivery_state=state_name,
    )
