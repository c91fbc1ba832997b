"""The shipped journey scripts (ivr/journeys/*.yaml), walked by the simulator as Twilio would."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from audio.models import Recording
from core.db import db
from core.models import Contact
from ivr.models import Feedback
from ivr.simulator import CallError, FlaskTransport, SimulatedCall
from ivr.simulator_script import run_script
from tests.helpers import AUTH_TOKEN, PUBLIC_BASE_URL, command_env
from tests.ivr_fixtures import make_lesson, sid

JOURNEYS = Path(__file__).resolve().parents[2] / "ivr" / "journeys"


def walk(app, twilio_server, name: str) -> tuple[list[str], object]:
    journey = yaml.safe_load((JOURNEYS / f"{name}.yaml").read_text())
    heard: list[str] = []

    def save_recording(data: bytes, call_sid: str, seconds: float) -> tuple[str, str]:
        recording_sid = sid("RE")
        return recording_sid, twilio_server.add_recording(recording_sid, (200, data))

    call = SimulatedCall(FlaskTransport(app), AUTH_TOKEN, PUBLIC_BASE_URL, journey["caller"])
    try:
        turn = run_script(call, journey["steps"], save_recording, say=heard.append, base_dir=JOURNEYS)
    except CallError as error:
        pytest.fail(f"{error}\n" + "\n".join(heard))
    return heard, turn


def recordings() -> list[Recording]:
    return db.session.scalars(select(Recording).order_by(Recording.id)).all()


def test_every_journey_file_is_covered():
    assert {p.stem for p in JOURNEYS.glob("*.yaml")} == set(OUTCOMES)


def first_call(app, heard, turn):
    contact = db.session.scalar(select(Contact).filter_by(phone="+919800010001"))
    assert contact.language_code == "en" and contact.district_id is None  # the questions were skipped


def lesson_listening(app, heard, turn):
    played = [line.split("/")[-1].split(".wav")[0] for line in heard if line.strip().startswith("♪")]
    assert played == ["segment-0", "segment-1", "segment-1", "segment-2"]  # skip, repeat, skip
    assert db.session.scalar(select(Feedback.useful)) is True


def story_consent_refused(app, heard, turn):
    assert recordings() == []


def story_rerecorded(app, heard, turn):
    [kept] = recordings()
    assert kept.kind == Recording.STORY and kept.consent == Recording.ANONYMOUS


def question(app, heard, turn):
    [kept] = recordings()
    assert kept.kind == Recording.QUESTION and kept.consent == Recording.NAMED


def invalid_input(app, heard, turn):
    assert turn.waiting == "ended" and turn.end_reason == "the line hung up"


def hangup_mid_recording(app, heard, turn):
    [kept] = recordings()
    assert kept.kind == Recording.STORY


def opt_out(app, heard, turn):
    contact = db.session.scalar(select(Contact).filter_by(phone="+919800010008"))
    assert contact.opted_out_at is not None


def registration(app, heard, turn):
    contact = db.session.scalar(select(Contact).filter_by(phone="+919800010010"))
    assert (contact.role, contact.district.name, contact.district.state.name) == (
        "mason",
        "Sitapur",
        "Uttar Pradesh",
    )
    assert contact.state_id == contact.district.state_id


OUTCOMES = {
    f.__name__: f
    for f in (
        first_call,
        lesson_listening,
        story_consent_refused,
        story_rerecorded,
        question,
        invalid_input,
        hangup_mid_recording,
        opt_out,
        registration,
    )
}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_journey(app, twilio_server, name):
    make_lesson()
    db.session.expire_all()
    heard, turn = walk(app, twilio_server, name)
    db.session.expire_all()
    OUTCOMES[name](app, heard, turn)
    assert db.session.scalar(select(func.count()).select_from(Contact)) >= 1


def run_call_command(app, tmp_path, *args):
    import subprocess
    import sys

    env = command_env(app, tmp_path)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "call", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_call_command_prints_what_the_caller_hears(app, tmp_path):
    result = run_call_command(app, tmp_path, "--caller", "+919800010009", "--press", "2", "--hangup")
    assert result.returncode == 0, result.stderr
    assert "“For English, press 2.”" in result.stdout and "> press 2" in result.stdout


def test_call_command_fails_on_a_dead_end(app, tmp_path):
    result = run_call_command(
        app, tmp_path, "--press", "2", "--press", "7", "--press", "7", "--press", "7", "--press", "1"
    )
    assert result.returncode == 1
    assert "dead end: the call ended (the line hung up) before step 5 (press)" in result.stderr


def test_call_command_runs_a_yaml_journey_with_a_recording(app, tmp_path):
    result = run_call_command(app, tmp_path, "--script", str(JOURNEYS / "story_rerecorded.yaml"))
    assert result.returncode == 0, result.stderr + result.stdout
    db.session.expire_all()
    [kept] = recordings()
    assert kept.source_url.startswith("http://127.0.0.1:5000/sandbox-twilio/")
