"""Decoding staff audio takes no database write lock: a call that starts meanwhile is answered normally."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from audio import lesson_library
from audio.models import Lesson
from core.db import db
from ivr.models import Call
from tests.curator_fixtures import make_processed_recording
from tests.factories import make_contact
from tests.helpers import ACCOUNT_SID, csrf_token
from tests.ivr_fixtures import sid


@pytest.fixture
def call_while_decoding(monkeypatch, twilio_post):
    """Each decode of staff audio lets a new call come in halfway; returns what each call heard."""
    heard = []
    real_decode = lesson_library.decode_for_library

    def decode_with_a_call(path, *args, **kwargs):
        call = {
            "CallSid": sid("CA"),
            "AccountSid": ACCOUNT_SID,
            "From": "+919800060001",
            "To": "+18005550100",
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
        answer = twilio_post("/ivr/voice", call)
        heard.append((call["CallSid"], ET.fromstring(answer.get_data())))
        return real_decode(path, *args, **kwargs)

    monkeypatch.setattr(lesson_library, "decode_for_library", decode_with_a_call)
    return heard


def answered_normally(heard) -> bool:
    """Every call got its row and the line's menu, not the apology of a blocked database."""
    calls = set(db.session.scalars(select(Call.call_sid)))
    return bool(heard) and all(call_sid in calls and root.find("Hangup") is None for call_sid, root in heard)


def test_a_call_during_a_lesson_upload_is_answered(app, client, login, audio_files, call_while_decoding):
    login("curator")
    with audio_files.speech_wav.open("rb") as stream:
        data = {
            "csrf_token": csrf_token(client, "/audio/lessons/new"),
            "audio": (stream, "talk.wav"),
            "title": "Pits",
            "language_code": "hi",
        }
        response = client.post("/audio/lessons/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and db.session.scalars(select(Lesson)).one()
    db.session.expire_all()
    assert answered_normally(call_while_decoding)


def test_a_call_while_a_story_is_published_is_answered(app, audio_files, call_while_decoding):
    contact = make_contact()
    recording = make_processed_recording(
        audio_files.speech_wav, contact_id=contact.id, kind="story", consent="anonymous", language_code="hi"
    )
    lesson_library.publish_story_from_recording(recording.id, "My pit", "hi")
    db.session.expire_all()
    assert answered_normally(call_while_decoding)
