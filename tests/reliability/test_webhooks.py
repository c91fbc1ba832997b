"""Webhook guarantees: signatures, duplicates, order, outages and fuzzing — never a 5xx, nothing lost."""

import itertools
import threading
import xml.etree.ElementTree as ET

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from audio.models import Recording
from core import queue
from core.app import create_app
from core.db import db
from ivr.models import Call
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.ivr_fixtures import Phone, sid

CALL = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": "+919800030001",
    "To": "+18005550100",
    "CallStatus": "ringing",
    "Direction": "inbound",
}


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


# --- the signature matrix ---


def matrix_cases():
    path = "/ivr/voice"
    url = PUBLIC_BASE_URL + path
    good = sign(url, CALL)
    tampered = {**CALL, "From": "+919899999999"}
    plus_path = "/ivr/voice?to=%2B919800030001&note=a+b%20c"
    return [
        ("valid form POST", path, CALL, good, {}, 200),
        ("query with %2B, + and %20", plus_path, CALL, sign(PUBLIC_BASE_URL + plus_path, CALL), {}, 200),
        (
            "query re-encoded by a proxy",
            "/ivr/voice?to=%2B919800030001&note=a%20b%20c",
            CALL,
            sign(PUBLIC_BASE_URL + plus_path, CALL),
            {},
            403,
        ),
        ("tampered parameter", path, tampered, good, {}, 403),
        ("signed for http://", path, CALL, sign(url.replace("https://", "http://"), CALL), {}, 403),
        ("signed for another host", path, CALL, sign("https://evil.example.com" + path, CALL), {}, 403),
        ("signed for another port", path, CALL, sign(PUBLIC_BASE_URL + ":8443" + path, CALL), {}, 403),
        ("missing header", path, CALL, None, {}, 403),
        ("empty header", path, CALL, "", {}, 403),
        ("wrong token", path, CALL, sign(url, CALL, "another-token"), {}, 403),
        ("behind a proxy with X-Forwarded-Proto", path, CALL, good, {"X-Forwarded-Proto": "https"}, 200),
        ("behind a proxy without X-Forwarded-Proto", path, CALL, good, {"X-Forwarded-Proto": "http"}, 200),
        (
            "spoofed X-Forwarded-Host",
            path,
            CALL,
            sign("https://evil.example.com" + path, CALL),
            {"X-Forwarded-Host": "evil.example.com"},
            403,
        ),
    ]


def test_signature_matrix(client, record_figure):
    outcomes = []
    for name, path, params, signature, headers, expected in matrix_cases():
        sent = dict(headers)
        if signature is not None:
            sent["X-Twilio-Signature"] = signature
        status = client.post(path, data=params, headers=sent).status_code
        outcomes.append((name, status, expected))
    wrong = [
        f"{name}: {status}, expected {expected}" for name, status, expected in outcomes if status != expected
    ]
    record_figure("signature matrix cases", f"{len(outcomes)} cases, {len(wrong)} wrong, 0 server errors")
    assert wrong == []
    assert all(status < 500 for _, status, _ in outcomes)


# --- duplicates and order ---


def at_record(twilio_post, caller: str) -> Phone:
    phone = Phone(twilio_post, caller=caller).dial()
    phone.press("2").press("3").press("2")  # English, record, without my name
    assert phone.twiml.find("Record") is not None
    return phone


def counts() -> tuple[int, int]:
    rows = db.session.scalar(select(func.count()).select_from(Recording))
    return rows, queue.get_queue("audio").count


def test_the_same_recording_callback_20_times_in_a_row_makes_one_row_and_one_job(twilio_post, record_figure):
    phone = at_record(twilio_post, "+919800030002")
    take = sid("RE")
    phone.record(take).press("1")  # keep
    for _ in range(20):
        phone.recording_status(take)
    db.session.expire_all()
    assert counts() == (1, 1)
    record_figure("recording callback x20 in sequence", "1 row, 1 job")


def test_the_same_recording_callback_20_times_at_once_makes_one_row_and_one_job(
    app, live_server, twilio_post, record_figure
):
    phone = at_record(twilio_post, "+919800030003")
    take = sid("RE")
    phone.record(take).press("1")
    callback = phone.last_record.get("recordingStatusCallback")
    params = phone.params(**phone.recording_fields(take, 14), RecordingStatus="completed")
    url = live_server.url + callback.removeprefix(PUBLIC_BASE_URL)
    statuses, barrier = [], threading.Barrier(20)

    def deliver():
        barrier.wait()
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": sign(url, params)}, timeout=30
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert sorted(set(statuses)) == [200]
    assert counts() == (1, 1)
    record_figure("recording callback x20 concurrently", "1 row, 1 job, 20 x 200")


STATUSES = ["initiated", "ringing", "in-progress", "completed"]


def test_status_callbacks_in_every_order_end_the_same(twilio_post, record_figure):
    finals = set()
    for number, order in enumerate(itertools.permutations(STATUSES)):
        call_sid = f"CA{number:032d}"
        for status in order:
            params = {**CALL, "CallSid": call_sid, "CallStatus": status, "CallDuration": "42"}
            assert twilio_post("/ivr/status", params).status_code == 200
        call = db.session.scalar(select(Call).filter_by(call_sid=call_sid))
        finals.add((call.status, call.duration_seconds))
    record_figure(
        "status callback orders", f"{len(list(itertools.permutations(STATUSES)))} orders, 1 final state"
    )
    assert finals == {("completed", 42)}


# --- outages ---


def test_database_down_the_caller_hears_an_apology_not_an_error(app, tmp_path, record_figure):
    down = create_app(
        {
            **_settings(app, tmp_path),
            "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/none",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none",
        }
    )
    client = down.test_client()
    for path in ("/ivr/voice", "/ivr/fallback", "/ivr/status"):
        params = {**CALL, "CallStatus": "completed"} if path == "/ivr/status" else CALL
        response = client.post(
            path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
        )
        assert response.status_code == 200 and response.mimetype == "text/xml", path
        root = ET.fromstring(response.get_data())
        assert root.tag == "Response" and root.find("Say") is not None and root.find("Hangup") is not None
    record_figure("database down", "voice, status and fallback answer a spoken apology (200 text/xml)")


def test_redis_down_the_caller_still_records_and_nothing_is_lost(app, tmp_path, twilio_post, record_figure):
    down = create_app({**_settings(app, tmp_path), "REDIS_URL": "redis://127.0.0.1:1"})
    down_client = down.test_client()

    def post_down(path, params, **kwargs):
        headers = {"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
        return down_client.post(path, data=params, headers=headers)

    phone = at_record(post_down, "+919800030004")
    take = sid("RE")
    phone.record(take).press("1")
    assert "saved" in phone.said
    phone.recording_status(take)
    db.session.expire_all()
    [kept] = db.session.scalars(select(Recording)).all()
    assert kept.status == Recording.PENDING and queue.get_queue("audio").count == 0
    record_figure("redis down during a call", "flow heard, recording row kept (pending) for the sweeper")


def _settings(app, tmp_path) -> dict:
    keep = (
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "REDIS_URL",
        "SECRET_KEY",
        "MEDIA_DIR",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_CALLER_ID",
        "TWILIO_API_BASE_URL",
        "PUBLIC_BASE_URL",
    )
    return {**{k: app.config[k] for k in keep}, "CHAUPAL_ENV": "testing", "INSTANCE_PATH": str(tmp_path)}


# --- fuzzing: signed requests with arbitrary fields reach the logic and never break it ---

FIELD = st.sampled_from(
    [
        "CallSid",
        "From",
        "To",
        "Digits",
        "CallStatus",
        "CallDuration",
        "RecordingSid",
        "RecordingUrl",
        "RecordingDuration",
        "RecordingStatus",
        "Direction",
        "Body",
        "x",
    ]
)
# A huge value is a drawn piece of arbitrary text repeated to 5,000-20,000 characters: drawing that
# many characters one by one took most of this test's time, and what a huge value tests is its length.
HUGE = st.builds(
    lambda piece, size: (piece * size)[:size], st.text(min_size=1, max_size=40), st.integers(5000, 20000)
)
VALUE = st.one_of(st.text(max_size=40), HUGE, st.sampled_from(["", "1", "#", "*"]))
PATHS = [
    "/ivr/voice",
    "/ivr/status",
    "/ivr/recording-status?consent=1",
    "/ivr/key/menu?try=0",
    "/ivr/key/language?try=2",
    "/ivr/step/main",
    "/ivr/key/play?lesson=1&seg=0",
    "/ivr/step/nope",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), fields=st.dictionaries(FIELD, VALUE, max_size=8), with_sid=st.booleans())
def test_fuzzed_webhooks_never_answer_5xx(client, path, fields, with_sid):
    params = {**fields, **({"CallSid": fields.get("CallSid") or "CA" + "9" * 32} if with_sid else {})}
    params = {k: v.replace("\x00", "") for k, v in params.items()}
    response = client.post(
        path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
    )
    assert response.status_code < 500, (path, params)
    if response.status_code == 200:
        assert ET.fromstring(response.get_data()).tag == "Response"
