"""Development without Twilio credentials: the app's own Twilio-compatible sandbox stands in."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from werkzeug.serving import make_server

from core import sandbox, twilio
from core.app import create_app
from core.db import db, upgrade
from core.models import SandboxMessage
from tests.helpers import free_port


@pytest.fixture(scope="module")
def dev_app(tmp_path_factory, redis_url):
    port = free_port()
    instance = tmp_path_factory.mktemp("sandbox-instance")
    app = create_app(
        {
            "CHAUPAL_ENV": "development",
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
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


def test_calls_and_messages_list_and_fetch_with_twilios_own_client(dev_app):
    with dev_app.app_context():
        client = twilio.rest_client()
        sent = [twilio.send_sms("+919800000021", f"text {n}") for n in range(3)]
        call = twilio.place_call("+919800000021", dev_app.config["PUBLIC_BASE_URL"] + "/ivr/voice")
        twilio.send_sms("+919800000022", "someone else")
        messages = client.messages.list(to="+919800000021", page_size=2)  # two pages, followed by the client
        calls = client.calls.list(to="+919800000021", limit=20)
        fetched = client.calls(call.sid).fetch()
        recent = twilio.recent_sends("sms", "+919800000021", datetime.now(UTC) - timedelta(minutes=1))
    assert {m.sid for m in messages} == {s.sid for s in sent}
    assert [c.sid for c in calls] == [call.sid] and fetched.sid == call.sid
    assert fetched.account_sid == dev_app.config["TWILIO_ACCOUNT_SID"] and fetched.uri.endswith(
        f"{call.sid}.json"
    )
    assert {s.sid for s in recent} == {s.sid for s in sent}


def test_sandbox_resources_carry_the_fields_twilios_spec_declares(dev_app):
    spec_fields = {  # properties of api.v2010.account.call and .message in twilio-oai's twilio_api_v2010.json
        "calls": {
            "sid",
            "date_created",
            "date_updated",
            "parent_call_sid",
            "account_sid",
            "to",
            "to_formatted",
            "from",
            "from_formatted",
            "phone_number_sid",
            "status",
            "start_time",
            "end_time",
            "duration",
            "price",
            "price_unit",
            "direction",
            "answered_by",
            "api_version",
            "forwarded_from",
            "group_sid",
            "caller_name",
            "queue_time",
            "trunk_sid",
            "uri",
            "subresource_uris",
        },
        "messages": {
            "body",
            "num_segments",
            "direction",
            "from",
            "to",
            "date_updated",
            "price",
            "error_message",
            "uri",
            "account_sid",
            "num_media",
            "status",
            "messaging_service_sid",
            "sid",
            "date_sent",
            "date_created",
            "error_code",
            "price_unit",
            "api_version",
            "subresource_uris",
        },
    }
    config = dev_app.config
    base = f"{config['TWILIO_API_BASE_URL']}/2010-04-01/Accounts/{config['TWILIO_ACCOUNT_SID']}"
    auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    with dev_app.app_context():
        twilio.send_sms("+919800000013", "hello")
        twilio.place_call("+919800000013", config["PUBLIC_BASE_URL"] + "/ivr/voice")
    for key, path in (("calls", "Calls"), ("messages", "Messages")):
        page = requests.get(
            f"{base}/{path}.json", params={"To": "+919800000013"}, auth=auth, timeout=5
        ).json()
        assert set(page[key][0]) == spec_fields[key]
        assert {"first_page_uri", "next_page_uri", "page", "page_size", "start", "end", "uri"} <= set(page)
        missing = requests.get(f"{base}/{path}/XX{'0' * 32}.json", auth=auth, timeout=5)
        assert missing.status_code == 404 and missing.json()["status"] == 404


def test_twilio_client_errors_come_out_as_our_own(dev_app, monkeypatch):
    from twilio.base.exceptions import TwilioException

    def unreadable_page(*args, **kwargs):
        raise TwilioException("Unable to fetch page")

    with dev_app.app_context():
        monkeypatch.setattr(type(twilio.rest_client().messages), "list", unreadable_page)
        with pytest.raises(twilio.TwilioError, match="Unable to fetch page"):
            twilio.recent_sends("sms", "+919800000011", datetime(2020, 1, 1, tzinfo=UTC))
