import pytest
from twilio.request_validator import RequestValidator

from core import twilio
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.twilio_loopback import Fault

PARAMS = {"CallSid": "CA123", "From": "+919800000001", "Digits": "1"}


def signed(path: str, params: dict) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, params)


def check(app, path, params, signature, **environ):
    with app.test_request_context(
        path, method="POST", data=params, headers={"X-Twilio-Signature": signature}, **environ
    ):
        return twilio.signature_is_valid()


def test_valid_signature_on_public_url(app):
    assert check(app, "/ivr/voice", PARAMS, signed("/ivr/voice", PARAMS))


def test_query_string_is_signed_raw(app):
    path = "/ivr/voice?step=menu&to=%2B91%20x"
    assert check(app, path, PARAMS, signed(path, PARAMS))


@pytest.mark.parametrize(
    ("path", "params", "signature"),
    [
        ("/ivr/voice", {**PARAMS, "Digits": "2"}, signed("/ivr/voice", PARAMS)),  # tampered
        ("/ivr/voice", PARAMS, ""),  # missing
        ("/ivr/voice", PARAMS, "not-base64"),
        ("/ivr/other", PARAMS, signed("/ivr/voice", PARAMS)),  # replayed to another URL
    ],
)
def test_bad_signatures_are_refused(app, path, params, signature):
    assert not check(app, path, params, signature)


def test_no_auth_token_fails_closed(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "")
    assert not check(app, "/ivr/voice", PARAMS, signed("/ivr/voice", PARAMS))


def test_sms_goes_to_the_configured_api_base_url(app, twilio_server):
    sent = twilio.send_sms("+919800000001", "नमस्ते", status_callback=PUBLIC_BASE_URL + "/sms/status")
    assert sent.sid.startswith("SM") and sent.status == "queued"
    [request] = twilio_server.created("Messages")
    assert request["form"]["To"] == "+919800000001"
    assert request["form"]["Body"] == "नमस्ते"
    assert request["form"]["From"] == app.config["TWILIO_CALLER_ID"]


def test_call_carries_url_and_status_callback(app, twilio_server):
    sent = twilio.place_call("+919800000002", PUBLIC_BASE_URL + "/ivr/voice", PUBLIC_BASE_URL + "/ivr/status")
    assert sent.sid.startswith("CA")
    [request] = twilio_server.created("Calls")
    assert request["form"]["Url"] == PUBLIC_BASE_URL + "/ivr/voice"
    assert request["form"]["StatusCallbackEvent"] == [
        "initiated",
        "ringing",
        "answered",
        "completed",
    ]


def test_error_codes_are_reported_and_classified(app, twilio_server):
    twilio_server.invalid_numbers.add("+910000")
    with pytest.raises(twilio.TwilioError) as raised:
        twilio.send_sms("+910000", "hello")
    assert raised.value.code == 21211 and raised.value.permanent
    twilio_server.faults.append(Fault(status=503, code=20503, message="Service unavailable"))
    with pytest.raises(twilio.TwilioError) as raised:
        twilio.send_sms("+919800000001", "hello")
    assert raised.value.status == 503 and not raised.value.permanent


def test_sends_reuse_one_connection_until_the_settings_change(app, twilio_server, monkeypatch):
    for _ in range(3):
        twilio.send_sms("+919800000001", "hello")
    first, second, third = (r["connection"] for r in twilio_server.created("Messages"))
    assert first == second == third  # one TCP connection, kept open between sends
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "rotated")
    with pytest.raises(twilio.TwilioError) as raised:
        twilio.send_sms("+919800000001", "hello")
    assert raised.value.status == 401  # the new token is used at once, not a cached client's


def test_wrong_credentials_are_permanent(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "wrong")
    with pytest.raises(twilio.TwilioError) as raised:
        twilio.send_sms("+919800000001", "hello")
    assert raised.value.status == 401 and raised.value.permanent


def test_delete_recording(app, twilio_server):
    twilio_server.add_recording("RE" + "a" * 32, (200, b"RIFF"))
    assert twilio.delete_recording("RE" + "a" * 32)
    assert twilio.delete_recording("RE" + "a" * 32)  # already gone is fine
