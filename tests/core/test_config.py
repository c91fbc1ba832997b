import sqlite3
import subprocess
import sys

import pytest

from core.config import ConfigError, build_config, validate


def config_for(**env):
    base = {"INSTANCE_PATH": "/tmp/chaupal-config-test"}
    return build_config(environ={**base, **env})


def test_defaults_are_safe_and_complete():
    config = config_for()
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["TIMEZONE"] == "Asia/Kolkata"
    assert config["TWILIO_SANDBOX"] is True  # development without credentials
    assert config["TWILIO_API_BASE_URL"] == "http://127.0.0.1:5000/sandbox-twilio"
    configured = config_for(TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="t")
    assert configured["TWILIO_SANDBOX"] is False
    assert configured["TWILIO_API_BASE_URL"] == "https://api.twilio.com"
    assert len(config["SECRET_KEY"]) >= 32
    validate(config)


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        (
            {
                "CHAUPAL_ENV": "production",
                "TWILIO_AUTH_TOKEN": "t",
                "PUBLIC_BASE_URL": "https://x.in",
            },
            "SECRET_KEY",
        ),
        ({"CHAUPAL_ENV": "production", "SECRET_KEY": "change-me"}, "SECRET_KEY"),
        (
            {
                "CHAUPAL_ENV": "production",
                "SECRET_KEY": "k" * 40,
                "PUBLIC_BASE_URL": "https://x.in",
            },
            "TWILIO_AUTH_TOKEN",
        ),
        (
            {"CHAUPAL_ENV": "production", "SECRET_KEY": "k" * 40, "TWILIO_AUTH_TOKEN": "t"},
            "PUBLIC_BASE_URL",
        ),
        ({"VOSK_MODELS": "hi=/no/such/model"}, "VOSK_MODELS"),
        ({"VOSK_MODELS": "hindi"}, "VOSK_MODELS"),
        ({"PUBLIC_BASE_URL": "chaupal.example.org"}, "PUBLIC_BASE_URL"),
        ({"CHAUPAL_ENV": "staging"}, "CHAUPAL_ENV"),
        ({"MAX_RECORDING_SECONDS": "2 minutes"}, "MAX_RECORDING_SECONDS"),
        ({"MAX_RECORDING_SECONDS": "3600"}, "MAX_RECORDING_SECONDS"),
        ({"FORWARDS_PER_DAY": "three"}, "FORWARDS_PER_DAY"),
        ({"FORWARDS_PER_DAY": "-1"}, "FORWARDS_PER_DAY"),
        ({"FORWARDS_PER_DAY": "1000"}, "FORWARDS_PER_DAY"),
    ],
)
def test_bad_settings_name_the_setting(env, setting):
    with pytest.raises(ConfigError, match=rf"^{setting}:"):
        validate(config_for(**env))


def test_debug_is_refused_in_production():
    config = config_for(
        CHAUPAL_ENV="production", SECRET_KEY="k" * 40, TWILIO_AUTH_TOKEN="t", PUBLIC_BASE_URL="https://x.in"
    )
    config["DEBUG"] = True
    with pytest.raises(ConfigError, match="^DEBUG:"):
        validate(config)


def run_cli(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "INSTANCE_PATH": env.pop("INSTANCE_PATH"), **env},
    )


def test_startup_stops_with_one_line_for_missing_secret(tmp_path):
    result = run_cli(
        "db",
        "upgrade",
        INSTANCE_PATH=str(tmp_path),
        CHAUPAL_ENV="production",
        TWILIO_AUTH_TOKEN="t",
        PUBLIC_BASE_URL="https://x.in",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "chaupal: configuration error: SECRET_KEY: must be set to a long random value in production"
    ]


def test_startup_stops_with_one_line_for_unreachable_database(tmp_path):
    result = run_cli(
        "db",
        "upgrade",
        INSTANCE_PATH=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:1",
        DATABASE_URL="postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("chaupal: configuration error: DATABASE_URL: cannot connect to")
    assert "secret" not in lines[0]


def test_startup_stops_with_one_line_for_missing_model(tmp_path):
    result = run_cli("worker", "--burst", INSTANCE_PATH=str(tmp_path), VOSK_MODELS="hi=/nowhere/hi")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "chaupal: configuration error: VOSK_MODELS: model directory for 'hi' does not exist: /nowhere/hi"
    ]


@pytest.mark.slow  # a real Vosk model or a fresh database upgraded in a subprocess
def test_db_upgrade_alone_leaves_a_usable_line_without_demo_data(tmp_path):
    database = tmp_path / "line.db"
    settings = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{database}"}
    result = run_cli("db", "upgrade", **settings)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        languages = {row[0] for row in connection.execute("SELECT code FROM languages")}
        topics = connection.execute("SELECT count(*) FROM topics").fetchone()[0]
        districts = connection.execute("SELECT count(*) FROM districts").fetchone()[0]
        staff = connection.execute("SELECT count(*) FROM staff_users").fetchone()[0]
    assert {"hi", "en"} <= languages and topics > 0 and districts > 0  # the language menu has choices
    assert staff == 0  # reference data only: no demo accounts
    again = run_cli("db", "upgrade", **settings)  # running it twice changes nothing and still succeeds
    assert again.returncode == 0, again.stderr
