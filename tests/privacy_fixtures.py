"""Helpers for privacy tests: a story recorded on the phone and fetched from the loopback Twilio server."""

from tests.ivr_fixtures import PUBLIC_BASE_URL, Phone, sid


def record_story(call: Phone, twilio_server, audio: bytes, consent_key: str = "1") -> str:
    """From the main menu: record a story with this consent key, keep it, and let Twilio report it complete."""
    recording_sid = sid("RE")
    url = twilio_server.add_recording(recording_sid, (200, audio))
    call.press("3").press(consent_key)
    fields = {"RecordingSid": recording_sid, "RecordingUrl": url, "RecordingDuration": "4"}
    call.post(call.twiml.find("Record").get("action"), **fields, Digits="#")
    call.press("1")  # keep it
    callback = call.last_record.get("recordingStatusCallback").removeprefix(PUBLIC_BASE_URL)
    response = call.post_signed(callback, call.params(**fields, RecordingStatus="completed"))
    assert response.status_code == 200
    return recording_sid
