"""The line driven by the phone simulator's engine, as trainers and `chaupal call` drive it."""

from sqlalchemy import select

from audio.models import Recording
from core.db import db
from ivr.simulator import FlaskTransport, SimulatedCall
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import sid


def test_a_simulated_caller_chooses_english_and_records_a_story(app):
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800066666")
    turn = call.start()
    assert turn.waiting == "gather" and any("For English" in h.text for h in turn.heard)
    turn = call.press("2")  # the questions about work wait until the caller has heard something
    assert not any("mason" in h.text for h in turn.heard)
    assert any("To record your own experience, press 3" in h.text for h in turn.heard)
    turn = call.press("3")
    turn = call.press("2")
    assert turn.waiting == "record" and turn.options["finishOnKey"] == "#"
    recording = sid("RE")
    turn = call.record(recording, f"{PUBLIC_BASE_URL}/recordings/{recording}", seconds=9)
    turn = call.press("1")
    assert any("Your story has been saved" in h.text for h in turn.heard)
    call.hang_up()
    kept = db.session.scalar(select(Recording))
    assert (kept.recording_sid, kept.consent, kept.reported_seconds) == (recording, "anonymous", 9)


def test_three_silences_end_a_simulated_call(app):
    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, "+919800077777")
    call.start()
    call.silence()
    call.silence()
    turn = call.silence()
    assert turn.waiting == "ended" and turn.end_reason == "the line hung up"
