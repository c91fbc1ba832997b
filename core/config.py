"""Every setting in one place, read from the environment with safe defaults."""

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
INSECURE_SECRETS = {"", "dev", "change-me", "secret", "changeme"}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the setting."""


# name -> (default, description); the README's configuration table is this table.
SETTINGS = {
    "CHAUPAL_ENV": ("development", "development, production or testing"),
    "DATABASE_URL": ("", "SQLAlchemy URL; default: SQLite file under the instance folder"),
    "REDIS_URL": ("", "Redis URL; default: an embedded server under the instance folder"),
    "SECRET_KEY": ("", "signs sessions and audio URLs; required in production"),
    "PUBLIC_BASE_URL": ("http://127.0.0.1:5000", "the URL Twilio reaches; signatures, links"),
    "RECORDING_DOWNLOAD_HOSTS": (
        "twilio.com,twiliocdn.com",
        "domains a recording download may be redirected to (https, port 443, each hop checked)",
    ),
    "TRUSTED_PROXY_COUNT": (
        "0",
        "reverse proxies in front of the app that set X-Forwarded-For (1 behind nginx); 0 trusts none",
    ),
    "TWILIO_ACCOUNT_SID": ("", "Twilio account SID (AC...)"),
    "TWILIO_AUTH_TOKEN": ("", "Twilio auth token; checks webhook signatures"),
    "TWILIO_CALLER_ID": ("", "number used for outbound calls and SMS"),
    "TWILIO_API_BASE_URL": ("https://api.twilio.com", "REST base URL"),
    "MEDIA_DIR": ("", "where audio lives; default: instance/media"),
    "MEDIA_STORE": ("local", "local (MEDIA_DIR) or s3 (S3-compatible bucket; AWS_* credentials)"),
    "S3_BUCKET": ("", "bucket for audio when MEDIA_STORE=s3"),
    "S3_ENDPOINT_URL": ("", "S3-compatible endpoint, e.g. https://minio.example.org; empty for AWS"),
    "S3_REGION": ("", "S3 region, e.g. ap-south-1"),
    "S3_PREFIX": ("", "key prefix inside the bucket, e.g. chaupal"),
    "VOSK_MODELS": ("", "language=model directory pairs, e.g. hi=/models/hi,en=/models/en-in"),
    "VOSK_FALLBACK_LANGUAGE": ("", "model used for languages without one; default: DEFAULT_LANGUAGE"),
    "VOSK_DEMO_MODEL": ("auto", "auto: bundled demo model when none fits (not in production); off"),
    "DEFAULT_LANGUAGE": ("hi", "language for callers who have not chosen one"),
    "TIMEZONE": ("Asia/Kolkata", "calling windows, schedules and reports"),
    "INSTANCE_PATH": ("", "instance folder for SQLite, embedded Redis and media"),
    "MAX_RECORDING_SECONDS": ("120", "longest story or question a caller may record, 10 to 600 seconds"),
    "TWILIO_HANDLES_OPT_OUT": ("yes", "yes: Twilio answers STOP/START/HELP in English itself; no: we reply"),
    # retention in days per artefact; 0 keeps it forever (a daily job enforces them)
    "RETENTION_DAYS_RECORDINGS": ("365", "days to keep callers' audio not published as a story; 0 = forever"),
    "RETENTION_DAYS_TRANSCRIPTS": ("365", "days to keep transcripts of unpublished recordings; 0 = forever"),
    "RETENTION_DAYS_CALL_LOGS": (
        "730",
        "days before call and SMS logs lose their link to a person; 0 = forever",
    ),
    "METRICS_TOKEN": ("", "bearer token Prometheus sends to read /metrics; empty: /metrics is off (404)"),
    "WEBHOOK_DB_WAIT_MS": ("2000", "longest wait of a webhook for a database lock (statements: twice that)"),
    "CAMPAIGN_CALLS_PER_SECOND": ("1", "outbound broadcast calls per second per caller ID"),
    "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": ("1", "SMS segments per second per sender"),
    "CAMPAIGN_TICK_SECONDS": ("10", "how often a running campaign feeds sends to the queue"),
    "CAMPAIGN_PACING_SLACK": (
        "1.015",
        "sends are this many times 1/limit seconds apart: room for a send that reaches the provider late"
        " (1.015: 15 ms at any limit, 98.5% of the limit; raise it where the workers wait for CPU)",
    ),
    "CAMPAIGN_SENDING_JOBS": (
        "1",
        "sending jobs a running campaign books per tick: more when REST calls are slow",
    ),
    "SMS_PRICE_PER_SEGMENT": ("0.08", "price of one SMS segment, for cost estimates"),
    "SMS_PRICE_CURRENCY": ("USD", "currency of SMS_PRICE_PER_SEGMENT"),
    "CHAUPAL_LINE_NUMBER": ("", "the number callers dial, shown in SMS as {line}"),
    "CLOCK_OFFSET_SECONDS": ("0", "testing only: shifts the campaign and help-desk clocks"),
    "ANSWER_CALL_HOURS": ("10:00-20:00", "local hours (TIMEZONE) when answers are called back, within 09-21"),
    "ANSWER_CALL_ATTEMPTS": ("2", "calls to deliver an answer: a busy or unanswered call is tried again"),
    "ANSWER_RETRY_MINUTES": ("30", "minutes before an answer's busy or unanswered call is tried again"),
    "LEARNING_REFRESHER_AFTER_DAYS": (
        "7",
        "days without a call after which an enrolled learner with due re-asks gets a refresher call",
    ),
    "RECOGNITION_MESSAGES": ("on", "on or off: thank contributors by SMS when their story is published"),
    "RECOGNITION_CALLS": (
        "off",
        "on: also a short call speaking the thank-you, for those who do not read SMS",
    ),
    "TTS_VOICE_HI": ("Google.hi-IN-Standard-A", "Twilio <Say> voice that speaks typed Hindi lessons"),
    "TTS_VOICE_EN": ("Google.en-IN-Standard-A", "Twilio <Say> voice that speaks typed English lessons"),
    "TTS_OFFLINE": (
        "auto",
        "on: typed lessons play espeak-ng audio, off: Twilio <Say>; auto: on in the sandbox",
    ),
    "RECOGNITION_MILESTONES": (
        "10,50,100,500,1000",
        "listener counts that earn a story's teller a weekly SMS",
    ),
    "API_RATE_LIMIT_PER_MINUTE": ("120", "requests a minute each API token may make (then 429)"),
    "FORWARDS_PER_DAY": (
        "3",
        "how many times one caller may forward a story to a friend in a local day, 0 to 50",
    ),
}
RETENTION_SETTINGS = ("RETENTION_DAYS_RECORDINGS", "RETENTION_DAYS_TRANSCRIPTS", "RETENTION_DAYS_CALL_LOGS")


def env_settings(environ=os.environ) -> dict:
    """Read every known setting from the environment, falling back to its default."""
    return {name: environ.get(name, default) for name, (default, _) in SETTINGS.items()}


def build_config(overrides: dict | None = None, environ=os.environ) -> dict:
    """Merge environment, derived defaults and test overrides into one dict."""
    config = env_settings(environ)
    config.update(overrides or {})
    instance = Path(config["INSTANCE_PATH"] or DEFAULT_INSTANCE)
    config["INSTANCE_PATH"] = str(instance)
    config["DATABASE_URL"] = config["DATABASE_URL"] or f"sqlite:///{instance / 'chaupal.db'}"
    config["MEDIA_DIR"] = config["MEDIA_DIR"] or str(instance / "media")
    config["SECRET_KEY"] = config["SECRET_KEY"] or _development_secret(config, instance)
    config["TWILIO_SANDBOX"] = _sandboxed(config)
    if config["TWILIO_SANDBOX"]:
        config.update(sandbox_twilio(config))
    config["TESTING"] = config["CHAUPAL_ENV"] == "testing"
    config.setdefault("SQLALCHEMY_DATABASE_URI", config["DATABASE_URL"])
    config.update({key: value for key, value in _web_defaults(config).items() if key not in config})
    return config


def _web_defaults(config: dict) -> dict:
    production = config["CHAUPAL_ENV"] == "production"
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or config["PUBLIC_BASE_URL"].startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 30,
        "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
        "LOGIN_MAX_DELAY_SECONDS": 60,
        # werkzeug's scrypt work factor (2**15); not read from the environment: only tests lower it.
        "PASSWORD_HASH_METHOD": "scrypt",
    }


def _development_secret(config: dict, instance: Path) -> str:
    if config["CHAUPAL_ENV"] == "production":
        return ""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _sandboxed(config: dict) -> bool:
    no_credentials = not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"])
    return no_credentials and config["CHAUPAL_ENV"] == "development"


def sandbox_twilio(config: dict) -> dict:
    """Without Twilio credentials in development, the app's own Twilio-compatible sandbox stands in."""
    token = hmac.new(config["SECRET_KEY"].encode(), b"twilio-sandbox", hashlib.sha256).hexdigest()[:32]
    return {
        "TWILIO_ACCOUNT_SID": "AC" + "5a" * 16,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_CALLER_ID": config["TWILIO_CALLER_ID"] or "+15005550006",
        "TWILIO_API_BASE_URL": config["PUBLIC_BASE_URL"].rstrip("/") + "/sandbox-twilio",
    }


def vosk_models(config: dict) -> dict[str, Path]:
    """Parse VOSK_MODELS ('hi=/m/hi,en=/m/en') into {language: path}."""
    models = {}
    for pair in filter(None, (p.strip() for p in config.get("VOSK_MODELS", "").split(","))):
        language, sep, path = pair.partition("=")
        if not sep or not language.strip() or not path.strip():
            raise ConfigError(f"VOSK_MODELS: '{pair}' is not of the form language=/path/to/model")
        models[language.strip()] = Path(path.strip())
    return models


def retention_days(config: dict, name: str) -> int:
    """A RETENTION_DAYS_* setting as a whole number of days (0 = keep forever); ConfigError otherwise."""
    value = str(config.get(name, SETTINGS[name][0])).strip()
    if not value.isdigit():
        raise ConfigError(f"{name}: '{value}' is not a whole number of days (0 keeps forever)")
    return int(value)


def is_on(config: dict, name: str) -> bool:
    """A yes/no setting read leniently: yes, true, on, 1."""
    return str(config.get(name, SETTINGS[name][0])).strip().lower() in ("yes", "true", "on", "1")


def validate(config: dict) -> None:
    """Refuse settings that would run insecurely or cannot work; one clear line each."""
    production = config["CHAUPAL_ENV"] == "production"
    if config["CHAUPAL_ENV"] not in ("development", "production", "testing"):
        raise ConfigError("CHAUPAL_ENV: must be development, production or testing")
    if production and config["SECRET_KEY"] in INSECURE_SECRETS | {None}:
        raise ConfigError("SECRET_KEY: must be set to a long random value in production")
    if production and len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY: must be at least 32 characters in production")
    if production and not config["TWILIO_AUTH_TOKEN"]:
        raise ConfigError("TWILIO_AUTH_TOKEN: required in production to check webhook signatures")
    if production and config.get("DEBUG"):
        raise ConfigError("DEBUG: must be off in production")
    _validate_urls(config)
    for name in RETENTION_SETTINGS:
        retention_days(config, name)
    _validate_recording_limit(config)
    _validate_webhook_wait(config)
    _validate_forwards(config)
    if not str(config["TRUSTED_PROXY_COUNT"]).strip().isdigit():
        raise ConfigError("TRUSTED_PROXY_COUNT: must be a whole number of proxies (0 when none)")
    for language, path in vosk_models(config).items():
        if not path.is_dir():
            raise ConfigError(f"VOSK_MODELS: model directory for '{language}' does not exist: {path}")


def _validate_recording_limit(config: dict) -> None:
    value = str(config["MAX_RECORDING_SECONDS"]).strip()
    if not value.isdigit() or not 10 <= int(value) <= 600:
        raise ConfigError(f"MAX_RECORDING_SECONDS: '{value}' is not a whole number of seconds from 10 to 600")


def _validate_webhook_wait(config: dict) -> None:
    value = str(config.get("WEBHOOK_DB_WAIT_MS", SETTINGS["WEBHOOK_DB_WAIT_MS"][0])).strip()
    if not value.isdigit() or not 100 <= int(value) <= 5000:
        raise ConfigError(
            f"WEBHOOK_DB_WAIT_MS: '{value}' is not a whole number of milliseconds from 100 to 5000"
        )


def _validate_forwards(config: dict) -> None:
    value = str(config["FORWARDS_PER_DAY"]).strip()
    if not value.isdigit() or int(value) > 50:
        raise ConfigError(f"FORWARDS_PER_DAY: '{value}' is not a whole number of forwards from 0 to 50")


def _validate_urls(config: dict) -> None:
    for name in ("PUBLIC_BASE_URL", "TWILIO_API_BASE_URL"):
        parts = urlsplit(config[name])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name}: '{config[name]}' is not an http(s) URL")
    if config["CHAUPAL_ENV"] == "production" and not config["PUBLIC_BASE_URL"].startswith("https"):
        raise ConfigError("PUBLIC_BASE_URL: must be https in production (Twilio signs that URL)")
