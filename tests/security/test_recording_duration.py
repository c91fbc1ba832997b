"""A reported RecordingDuration no <Record> could reach is not trusted.

Finding reproduced (issue 17, item 17): a huge `RecordingDuration` was trusted and flagged a good
recording "truncated".
"""

from sqlalchemy import select

from audio import recording_pipeline
from audio.models import Recording
from core.db import db
from ivr.models import RecordingTake
from tests.factories import make_contact
from tests.ivr_fixtures import Phone, sid


def test_a_huge_reported_duration_does_not_flag_a_good_recording(app, work, twilio_server, audio_files):
    url = twilio_server.add_recording("RE" + "d" * 32, (200, audio_files.speech_wav.read_bytes()))
    recording, _ = recording_pipeline.register_recording(
        "RE" + "d" * 32, source_url=url, reported_seconds=10**12
    )
    work("audio")
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    assert (recording.status, recording.flags) == (Recording.READY, "")


def test_a_forged_duration_in_the_callback_is_not_stored(app, twilio_post):
    contact = make_contact(language_code="en")
    phone = Phone(twilio_post, caller=contact.phone).dial().press("3").press("2")  # story, shared anonymously
    phone.record(sid("RE"), seconds=999_999_999_999)
    take = db.session.scalar(select(RecordingTake))
    assert take is not None and take.duration_seconds is None


def test_a_plausible_duration_is_kept(app):
    assert recording_pipeline.plausible_seconds(14, 120) == 14
    assert recording_pipeline.plausible_seconds(121, 120) == 121
    assert (
        recording_pipeline.plausible_seconds(10**9, 120) is None
        and recording_pipeline.plausible_seconds(-3, 120) is None
    )
