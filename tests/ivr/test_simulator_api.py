"""The softphone's server side: calls, keys, the inbox and answering the line's own calls."""

import io

import pytest

from core.app import create_app
from core.db import db
from core.models import SandboxMessage
from ivr import simulated_numbers
from tests.factories import make_staff
from tests.helpers import IsolatedClient, csrf_token, log_in


@pytest.fixture
def sandbox_client(app, tmp_path):
    keep = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "SECRET_KEY", "MEDIA_DIR")
    sandbox = create_app(
        {
            **{k: app.config[k] for k in keep},
            "CHAUPAL_ENV": "development",
            "INSTANCE_PATH": str(tmp_path),
            "TWILIO_ACCOUNT_SID": "",
            "TWILIO_AUTH_TOKEN": "",
            "TWILIO_CALLER_ID": "",
            "TWILIO_API_BASE_URL": "",
            "PUBLIC_BASE_URL": "http://127.0.0.1:5999",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    sandbox.test_client_class = IsolatedClient
    client = sandbox.test_client()
    curator = make_staff("curator")
    log_in(client, curator.username)
    client.headers = {"X-CSRFToken": csrf_token(client, "/simulator/")}
    client.phones = simulated_numbers.numbers_of(curator.id)
    return sandbox, client


def post(client, path, body=None):
    return client.post(path, json=body or {}, headers=client.headers)


def test_a_call_walks_the_line_and_keys_move_it_on(sandbox_client):
    _, client = sandbox_client
    turn = post(client, "/simulator/api/call", {"caller": client.phones[0]}).get_json()
    assert turn["waiting"] == "gather" and any("For English" in h["text"] for h in turn["heard"])
    assert turn["documents"][0][1].startswith("<?xml") or "<Response>" in turn["documents"][0][1]
    turn = post(client, f"/simulator/api/{turn['call_id']}/press", {"digits": "2"}).get_json()
    assert turn["waiting"] == "gather"
    ended = post(client, f"/simulator/api/{turn['call_id']}/hangup").get_json()
    assert ended["waiting"] == "ended"


def test_a_bad_caller_number_is_explained(sandbox_client):
    _, client = sandbox_client
    response = post(client, "/simulator/api/call", {"caller": "98000"})
    assert response.status_code == 400 and "international form" in response.get_json()["error"]


def test_the_line_calls_a_simulated_phone_and_it_is_answered(sandbox_client):
    sandbox, client = sandbox_client
    phone = client.phones[1]
    message = SandboxMessage(
        sid="CA" + "4" * 32,
        kind=SandboxMessage.CALL,
        to=phone,
        url=sandbox.config["PUBLIC_BASE_URL"] + "/ivr/voice",
    )
    sms = SandboxMessage(sid="SM" + "4" * 32, kind=SandboxMessage.SMS, to=phone, body="Your answer is ready")
    db.session.add_all([message, sms])
    db.session.commit()
    inbox = client.get("/simulator/api/inbox", query_string={"number": phone}).get_json()["messages"]
    assert [(m["kind"], m["body"]) for m in inbox] == [("call", ""), ("sms", "Your answer is ready")]
    turn = post(client, f"/simulator/api/answer/{message.id}").get_json()
    assert turn["call_sid"] == message.sid and turn["waiting"] == "gather"


def test_recording_needs_the_sandbox(client, login):
    curator = login("curator")
    client.headers = {"X-CSRFToken": csrf_token(client, "/simulator/")}
    caller = simulated_numbers.numbers_of(curator.id)[2]
    call_id = post(client, "/simulator/api/call", {"caller": caller}).get_json()["call_id"]
    response = post(client, f"/simulator/api/{call_id}/record")
    assert response.status_code == 409 and "sandbox" in response.get_json()["error"]


def test_the_line_s_words_are_spoken_by_the_app_for_a_browser_without_a_voice(client, login):
    assert client.get("/simulator/api/speech/hi?text=नमस्ते").status_code in (302, 401)  # staff only
    login("officer")
    spoken = client.get("/simulator/api/speech/hi-IN", query_string={"text": "चौपाल में आपका स्वागत है।"})
    assert spoken.status_code == 200 and spoken.mimetype == "audio/wav"
    assert spoken.data[:4] == b"RIFF" and len(spoken.data) > 8000  # some speech, not an empty file
    assert client.get("/simulator/api/speech/hi", query_string={"text": "x" * 2001}).status_code == 400
    assert client.get("/simulator/api/speech/..", query_string={"text": "hello"}).status_code == 404


def test_keys_after_the_call_ended_are_refused_in_the_staff_member_s_language(sandbox_client):
    _, client = sandbox_client
    turn = post(client, "/simulator/api/call", {"caller": client.phones[0]}).get_json()
    post(client, f"/simulator/api/{turn['call_id']}/hangup")
    response = post(client, f"/simulator/api/{turn['call_id']}/press", {"digits": "1"})
    assert response.status_code == 422
    assert response.get_json()["error"] == "This call has ended. Start a new call."
    client.headers["Accept-Language"] = "hi"
    response = post(client, f"/simulator/api/{turn['call_id']}/press", {"digits": "1"})
    assert response.get_json()["error"] == "यह कॉल ख़त्म हो चुकी है। नई कॉल शुरू करें।"
    assert "call ended" in response.get_json()["detail"]  # the developer's wording is kept beside it


def test_recording_while_the_line_waits_for_keys_says_what_the_line_waits_for(sandbox_client):
    _, client = sandbox_client
    turn = post(client, "/simulator/api/call", {"caller": client.phones[0]}).get_json()
    assert turn["waiting"] == "gather"
    response = client.post(
        f"/simulator/api/{turn['call_id']}/record",
        data={"audio": (io.BytesIO(b"RIFF"), "take.wav")},
        headers=client.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"].startswith("The line is not waiting for that now")
