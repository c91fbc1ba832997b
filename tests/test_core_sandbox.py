"""Development without Twilio credentials: the app's own Twilio-compatible sandbox stands in."""

import socket
import threading

import pytest
import requests
from werkzeug.serving import make_server

from core import sandbox, twilio
from core.app import create_app
from core.db import db, upgrade
from core.models import SandboxMessage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dev_app(tmp_path_factory, redis_url):
    port = free_port()
    instance = tmp_path_factory.mktemp("sandbox-instance")
    app = create_app({"CHAUPAL_ENV": "development", "INSTANCE_PATH": str(instance), "REDIS_URL": redis_url,
                      "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})  # fmt: skip
    upgrade(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app
    server.shutdown()


def test_development_without_credentials_is_sandboxed(dev_app):
    config = dev_app.config
    assert config["TWILIO_SANDBOX"] is True
    assert config["TWILIO_API_BASE_URL"] == config["PUBLIC_BASE_URL"] + "/sandbox-twilio"
    assert config["TWILIO_AUTH_TOKEN"]  # webhooks stay signature-checked


def test_sms_and_calls_reach_the_inbox_over_twilio_wire_format(dev_app):
    with dev_app.app_context():
        sms = twilio.send_sms("+919800000001", "नमस्ते", status_callback="http://x/sms/status")
        call = twilio.place_call("+919800000001", dev_app.config["PUBLIC_BASE_URL"] + "/ivr/voice")
        kept = {m.sid: m for m in db.session.scalars(db.select(SandboxMessage))}
    assert sms.sid.startswith("SM") and kept[sms.sid].body == "नमस्ते"
    assert kept[sms.sid].status_callback == "http://x/sms/status"
    assert call.sid.startswith("CA") and kept[call.sid].url.endswith("/ivr/voice")


def test_simulator_recordings_download_like_twilio_with_basic_auth(dev_app):
    with dev_app.app_context():
        sid, url = sandbox.save_recording(b"RIFF....WAVEfmt ", call_sid="CA1", duration_seconds=1.0)
        auth = twilio.basic_auth()
    assert requests.get(url + ".wav", auth=auth, timeout=5).content == b"RIFF....WAVEfmt "
    assert requests.get(url + ".wav", auth=(auth[0], "wrong"), timeout=5).status_code == 401
    assert requests.delete(url + ".json", auth=auth, timeout=5).status_code == 204
    assert requests.get(url + ".wav", auth=auth, timeout=5).status_code == 404


def test_sandbox_is_closed_when_twilio_is_configured(client):
    response = client.post("/sandbox-twilio/2010-04-01/Accounts/AC1/Messages.json", data={"To": "+1"})
    assert response.status_code == 404
