"""The words curators read for stored values (statuses, kinds, flags, consent), in the page's language."""

import re

from flask import Flask
from flask_babel import gettext, lazy_gettext

REVIEW_STATUSES = {
    "new": lazy_gettext("new"),
    "approved": lazy_gettext("approved"),
    "rejected": lazy_gettext("rejected"),
    "question": lazy_gettext("question"),
    "trainers_only": lazy_gettext("trainers only"),
}

RECORDING_KINDS = {
    "story": lazy_gettext("story"),
    "question": lazy_gettext("question"),
    "answer": lazy_gettext("answer"),
    "upload": lazy_gettext("upload"),
    "name": lazy_gettext("name"),
    "reply": lazy_gettext("reply"),
}

# Capitalised for headings ("Story #4").
RECORDING_HEADINGS = {
    "story": lazy_gettext("Story"),
    "question": lazy_gettext("Question"),
    "answer": lazy_gettext("Answer"),
    "upload": lazy_gettext("Upload"),
    "name": lazy_gettext("Name"),
    "reply": lazy_gettext("Reply"),
}

# Transcript quality flags and the audio flags the recording job sets.
FLAGS = {
    "empty": lazy_gettext("nothing heard"),
    "low_confidence": lazy_gettext("low confidence"),
    "mostly_silence": lazy_gettext("mostly silence"),
    "clipping": lazy_gettext("too loud (clipped)"),
    "short_speech": lazy_gettext("short speech"),
    "demo_model": lazy_gettext("trial recogniser"),
    "no_model": lazy_gettext("no recogniser for this language"),
    "too_long": lazy_gettext("cut at the time limit"),
    "truncated": lazy_gettext("ends early"),
}

# Why a recording has no audio to play (the audio job's reason codes).
RECORDING_REASONS = {
    "empty": lazy_gettext("the recording holds no audio"),
    "too_short": lazy_gettext("the recording is shorter than a second"),
    "silence_only": lazy_gettext("the recording is silent"),
    "not_audio": lazy_gettext("the file is not audio we can read"),
    "decode_failed": lazy_gettext("the audio could not be decoded"),
    "decode_timeout": lazy_gettext("the audio took too long to decode"),
    "download_refused": lazy_gettext("the phone company refused the download"),
    "download_failed": lazy_gettext("the recording could not be downloaded"),
    "too_long": lazy_gettext("cut at the time limit"),
    "truncated": lazy_gettext("ends early"),
}

CONSENTS = {
    "named": lazy_gettext("share with name"),
    "anonymous": lazy_gettext("share without name"),
    "trainers_only": lazy_gettext("trainers only"),
}

TAG_SOURCES = {
    "asr-keywords": lazy_gettext("heard words"),
    "menu": lazy_gettext("phone menu"),
    "lesson": lazy_gettext("lesson"),
    "curator": lazy_gettext("curator"),
}

TAG_STATUSES = {
    "suggested": lazy_gettext("suggested"),
    "accepted": lazy_gettext("accepted"),
    "rejected": lazy_gettext("rejected"),
}

QUESTION_STATUSES = {
    "open": lazy_gettext("open"),
    "answered": lazy_gettext("answered"),
    "calling": lazy_gettext("calling"),
    "delivered": lazy_gettext("delivered"),
    "failed": lazy_gettext("not delivered"),
    "skipped": lazy_gettext("skipped"),
}

# Reasons the help desk stores on a question (helpdesk.py writes them in these words).
QUESTION_REASONS = {
    "waiting for calling hours or a retry": lazy_gettext("waiting for calling hours or a retry"),
    "the asker has opted out or was removed": lazy_gettext("the asker has opted out or was removed"),
}
CALL_STATUSES = {
    "busy": lazy_gettext("line busy"),
    "no-answer": lazy_gettext("nobody picked up"),
    "failed": lazy_gettext("the call failed"),
    "canceled": lazy_gettext("cancelled"),
}
UNANSWERED_CALL = re.compile(r"the call was not answered \(([\w-]+)\)(; calling again later)?$")


def init_app(app: Flask) -> None:
    """Give the curator templates these words (from transcription.init_app)."""
    app.jinja_env.globals.update(
        review_status=review_status,
        recording_kind=recording_kind,
        recording_heading=recording_heading,
        flag_name=flag_name,
        recording_reason=recording_reason,
        transcript_failure=transcript_failure,
        consent_name=consent_name,
        tag_source=tag_source,
        tag_status=tag_status,
        question_status=question_status,
        question_reason=question_reason,
    )


def _word(words: dict, value: str | None) -> str:
    return str(words.get(value or "", value or ""))


def review_status(status: str | None) -> str:
    return _word(REVIEW_STATUSES, status)


def recording_kind(kind: str | None) -> str:
    return _word(RECORDING_KINDS, kind)


def recording_heading(kind: str | None) -> str:
    return _word(RECORDING_HEADINGS, kind)


def flag_name(flag: str | None) -> str:
    return _word(FLAGS, flag)


def recording_reason(reason: str | None) -> str:
    """Why a recording cannot be played, in words; '' when there is no reason code."""
    return _word(RECORDING_REASONS, reason)


def transcript_failure(flags: list[str]) -> str:
    """Why a transcript failed, in words: no recogniser for the language, or the recogniser's error
    (whose technical detail the page keeps apart, in English, for whoever fixes it)."""
    if "no_model" in flags:
        return flag_name("no_model")
    return gettext("the recogniser stopped with an error; it will be tried again")


def consent_name(consent: str | None) -> str:
    return _word(CONSENTS, consent)


def tag_source(source: str | None) -> str:
    return _word(TAG_SOURCES, source)


def tag_status(status: str | None) -> str:
    return _word(TAG_STATUSES, status)


def question_status(status: str | None) -> str:
    return _word(QUESTION_STATUSES, status)


def question_reason(reason: str | None) -> str:
    """Why a question's call waits or failed, in the page's language when the help desk wrote it."""
    unanswered = UNANSWERED_CALL.match(reason or "")
    if unanswered:
        status = _word(CALL_STATUSES, unanswered[1])
        if unanswered.group(2):
            return gettext("the call was not answered (%(status)s); calling again later", status=status)
        return gettext("the call was not answered (%(status)s)", status=status)
    return _word(QUESTION_REASONS, reason)
