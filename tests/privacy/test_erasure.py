"""Erasure: after a person asks, no file, row or Redis entry holds their number or their voice."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from audio import (
    lesson_library,
    store,
    voice_erasure,
)
from audio.models import Lesson, Recording
from core import queue
from core.db import db
from core.models import Contact
from ivr.models import Call, Erasure, ListenEvent
from tests.factories import make_contact
from tests.helpers import ACCOUNT_SID, command_env, csrf_token
from tests.ivr_fixtures import LINE_NUMBER, Phone, make_lesson, sid
from tests.privacy_fixtures import record_story

NUMBER = "+919812377701"
SPELLINGS = (NUMBER, NUMBER[1:], NUMBER[3:])  # +91..., 91..., the ten national digits


def database_dump() -> str:
    """Every row of every table, as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [f"{table.name}: {tuple(row)}" for row in db.session.execute(table.select())]
    return "\n".join(rows)


def media_files(app) -> dict[str, bytes]:
    root = Path(app.config["MEDIA_DIR"])
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def redis_dump(app) -> dict[str, bytes]:
    """Every key with its value, whatever the type (job hashes are compressed: read them as jobs too)."""
    connection = queue.redis_connection(app.config["REDIS_URL"])
    dump = {}
    for key in connection.scan_iter(count=1000):
        kind = connection.type(key).decode()
        value = {
            "string": lambda k: connection.get(k),
            "hash": lambda k: repr(connection.hgetall(k)).encode(),
            "list": lambda k: repr(connection.lrange(k, 0, -1)).encode(),
            "set": lambda k: repr(connection.smembers(k)).encode(),
            "zset": lambda k: repr(connection.zrange(k, 0, -1)).encode(),
            "stream": lambda k: repr(connection.xrange(k)).encode(),
        }.get(kind, lambda k: b"")(key)
        dump[key.decode()] = value
    return dump


def job_calls(app) -> list[tuple[str, list]]:
    connection = queue.redis_connection(app.config["REDIS_URL"])
    calls = []
    for key in connection.scan_iter(match="rq:job:*"):
        job_id = key.decode().removeprefix("rq:job:")
        if ":" not in job_id:
            job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
            calls.append((job.func_name, list(job.args)))
    return calls


@pytest.fixture
def caller_with_history(app, twilio_post, twilio_server, work, audio_files, text_message):
    """A caller who registered, listened, recorded a story (published), texted, asked for a call back."""
    lesson = make_lesson("Curing", segments=2)
    call = Phone(twilio_post, caller=NUMBER).dial().press("2")
    call.press("1").stay_silent()  # the lesson offered first: one segment heard to the end
    call.press("*")  # back: after the first lesson the main menu asks about their work
    call.press("1").press("4").press("1").press("1")  # mason, Uttar Pradesh, Sitapur, confirmed
    recording_sid = record_story(call, twilio_server, audio_files.speech_wav.read_bytes(), "1")
    call.hang_up()
    work("audio")  # downloaded and converted; the transcription job waits in its queue
    recording = db.session.scalar(select(Recording).filter_by(recording_sid=recording_sid))
    assert recording.status == Recording.READY, recording.reason_detail
    story = lesson_library.publish_story_from_recording(
        recording.id, "My pit", "en", contributor_name="Ramesh"
    )
    text_message("the pit is full, what now?")
    text_message("CALL ME")
    simulator_state = {"caller": NUMBER, "call_sid": sid("CA")}
    queue.redis_connection().set("chaupal:simulator:abc123", json.dumps(simulator_state))
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).filter_by(phone=NUMBER))
    voice = audio_files.speech_wav.read_bytes()
    return {
        "contact_id": contact.id,
        "recording_id": recording.id,
        "recording_sid": recording_sid,
        "story_id": story.id,
        "lesson_id": lesson.id,
        "voice": voice,
        "files": media_files(app),
    }


@pytest.fixture
def text_message(twilio_post):
    def send(body: str) -> None:
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid("SM"),
            "From": NUMBER,
            "To": LINE_NUMBER,
            "Body": body,
        }
        assert twilio_post("/sms/incoming", params).status_code == 200

    return send


def assert_nothing_left(app, history: dict, twilio_server) -> None:
    recording_id, story_id = history["recording_id"], history["story_id"]
    # before: the person is everywhere
    assert any(key.startswith(f"recordings/{recording_id}/") for key in history["files"])
    assert any(key.startswith(f"lessons/{story_id}/") for key in history["files"])
    # the media folder: no file of theirs, nothing holding their number or their voice
    files = media_files(app)
    assert not [k for k in files if k.startswith((f"recordings/{recording_id}/", f"lessons/{story_id}/"))]
    voice_hashes = {hashlib.sha256(history["voice"]).hexdigest()}
    voice_hashes |= {
        hashlib.sha256(data).hexdigest() for k, data in history["files"].items() if "recordings/" in k
    }
    for key, data in files.items():
        assert hashlib.sha256(data).hexdigest() not in voice_hashes, key
        assert not any(spelling.encode() in data for spelling in SPELLINGS), key
    assert any(k.startswith(f"lessons/{history['lesson_id']}/") for k in files)  # others' audio stays
    # the database: no row holds the number or the recording's SID
    db.session.expire_all()
    dump = database_dump()
    for needle in (*SPELLINGS, history["recording_sid"]):
        assert needle not in dump, needle
    assert db.session.get(Recording, recording_id) is None and db.session.get(Lesson, story_id) is None
    # Redis: no key or value with the number, no job about their recordings or callbacks
    for key, value in redis_dump(app).items():
        for needle in (*SPELLINGS, history["recording_sid"]):
            assert needle not in key and needle.encode() not in value, (key, needle)
    assert not [args for func, args in job_calls(app) if recording_id in args and "recording" in func]
    # Twilio: its copy was deleted through the REST API, by SID
    deletes = [r["sid"] for r in twilio_server.requests if r["kind"] == "DeleteRecording"]
    assert history["recording_sid"] in deletes


def test_caller_erases_their_data_from_the_phone_menu(
    app, twilio_post, twilio_server, work, caller_with_history
):
    history = caller_with_history
    calls_before = db.session.scalar(select(func.count()).select_from(Call))
    listened = db.session.scalar(select(func.count()).select_from(ListenEvent))
    call = Phone(twilio_post, caller=NUMBER).dial()
    call.press("9")
    assert "To delete your recordings and everything we know about you, press 2" in call.said
    call.press("2")
    assert "It cannot be undone" in call.said
    call.press("1")
    assert call.hung_up and "will be deleted within a few minutes" in call.said
    call.hang_up()  # Twilio's last status callback arrives after the erasure was asked for
    work("default")
    erasure = db.session.scalar(select(Erasure))
    assert erasure.status == Erasure.DONE and erasure.source == Erasure.BY_CALLER
    report = "\n".join(erasure.lines)
    for line in (
        "1 recording(s) deleted",
        "1 story(ies) made from them deleted",
        "1 consent record(s) deleted",
        "2 text message(s) deleted",
        "contact row deleted",
        "1 recording(s) queued for deletion at Twilio",
    ):
        assert line in report
    assert_nothing_left(app, history, twilio_server)
    # statistics keep their counts without a link to the person
    assert db.session.scalar(select(func.count()).select_from(Call)) == calls_before + 1
    assert db.session.scalar(select(func.count()).select_from(ListenEvent)) == listened
    assert db.session.scalar(select(func.count()).where(Call.contact_id.is_not(None))) == 0


def test_staff_erase_from_the_contact_page_and_see_the_report(
    app, client, login, twilio_server, work, caller_with_history
):
    history = caller_with_history
    login("admin")
    page = f"/people/{history['contact_id']}"
    form = {"csrf_token": csrf_token(client, page), "confirm": "nope"}
    assert client.post(f"{page}/erase", data=form).status_code == 302
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is not None  # not confirmed
    form["confirm"] = "DELETE"
    response = client.post(f"{page}/erase", data=form)
    html = response.get_data(as_text=True)
    erasure_id = db.session.scalar(select(Erasure.id))
    assert (
        response.status_code == 200
        and f"Erasure {erasure_id}: done" in html
        and "contact row deleted" in html
    )
    work("default")  # Twilio's copy is deleted by a job
    assert_nothing_left(app, history, twilio_server)


def test_only_admins_may_erase(client, login):
    contact = make_contact(district="Sitapur")
    login("officer", districts=["Sitapur"])
    form = {"csrf_token": csrf_token(client, f"/people/{contact.id}"), "confirm": "DELETE"}
    assert client.post(f"/people/{contact.id}/erase", data=form).status_code == 403
    assert db.session.get(Contact, contact.id) is not None


def test_a_failed_erasure_stays_pending_and_runs_again(app, monkeypatch, work):
    from ivr import (
        contact_erasure,
    )

    contact = make_contact(phone=NUMBER)
    erasure = contact_erasure.request_erasure(contact, Erasure.BY_CALLER)
    db.session.commit()
    assert db.session.get(Contact, contact.id).opted_out_at is not None  # no calls while it waits

    def store_down(contact_id):
        raise store.StoreError("the bucket did not answer")

    monkeypatch.setattr(voice_erasure, "erase_contact_audio", store_down)
    with pytest.raises(store.StoreError):
        contact_erasure.run_erasure(erasure.id)
    db.session.expire_all()
    failed = db.session.get(Erasure, erasure.id)
    assert failed.status == Erasure.PENDING and "the bucket did not answer" in failed.reason
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is not None
    monkeypatch.undo()
    assert contact_erasure.sweep_erasures(
        now=failed.created_at + contact_erasure.ERASURE_RETRY_AFTER * 2
    ) == [erasure.id]
    work("default")
    db.session.expire_all()
    assert db.session.get(Erasure, erasure.id).status == Erasure.DONE
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is None


def run_cli(app, tmp_path, *args):
    env = command_env(app, tmp_path)
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=root,
    )


def test_erase_command_deletes_and_prints_the_report(app, tmp_path):
    make_contact(phone=NUMBER, name="Ramesh")
    result = run_cli(app, tmp_path, "people", "erase", "98123 77701", "--yes")
    assert result.returncode == 0, result.stderr
    erasure_id = db.session.scalar(select(Erasure.id))
    assert f"Erasure {erasure_id} of contact #" in result.stdout and "contact row deleted" in result.stdout
    db.session.expire_all()
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is None
    missing = run_cli(app, tmp_path, "people", "erase", NUMBER, "--yes")
    assert missing.returncode == 1 and "+91••••••7701" in missing.stderr and NUMBER not in missing.stderr


def test_staff_see_a_failed_erasure_which_a_job_finishes(client, login, monkeypatch, work):
    contact = make_contact(phone=NUMBER, district="Sitapur")
    login("admin")
    form = {"csrf_token": csrf_token(client, f"/people/{contact.id}"), "confirm": "DELETE"}

    def store_down(contact_id):
        raise store.StoreError("the bucket did not answer")

    monkeypatch.setattr(voice_erasure, "erase_contact_audio", store_down)
    html = client.post(f"/people/{contact.id}/erase", data=form).get_data(as_text=True)
    assert f"Erasure {db.session.scalar(select(Erasure.id))}: pending" in html
    assert "the bucket did not answer" in html
    monkeypatch.undo()
    work("default")
    db.session.expire_all()
    assert db.session.scalar(select(Erasure.status)) == Erasure.DONE
    assert db.session.scalar(select(Contact).filter_by(phone=NUMBER)) is None
