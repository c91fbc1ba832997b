"""Fixtures: the app on a real database and a real Redis, signed Twilio requests, logins.

Set TEST_DATABASE_URL to a PostgreSQL URL to run against PostgreSQL (a fresh database is created
for the run and dropped after); set TEST_REDIS_URL to use an existing Redis instead of starting one.
"""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import queue
from core.app import create_app
from core.db import upgrade
from tests import snapshots
from tests.factories import make_staff

# generated audio files; real-browser fixtures; API tokens
# The one way fixtures arrive: every fixture module is a plugin here (tests import helpers, never fixtures).
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, IsolatedClient, log_in
from tests.twilio_loopback import LoopbackTwilio

pytest_plugins = [
    "tests.audio_fixtures",
    "tests.browser",
    "tests.api_fixtures",
    "tests.campaigns_fixtures",
    "tests.learning_fixtures",
    "tests.transcription_fixtures",
]


for proxy_setting in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(proxy_setting, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ.pop("TWILIO_EDGE", None)
os.environ.pop("TWILIO_REGION", None)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: TEST_REDIS_URL, or a private embedded server for this run."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    data_dir = tmp_path_factory.mktemp("redis")
    socket = data_dir / "redis.sock"
    process = subprocess.Popen(
        [queue.embedded_binary(), *queue.embedded_args(data_dir, socket)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"unix://{socket}"
    queue._wait_until_reachable(url, process, data_dir)
    yield url
    queue.stop_process(process)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite in a temporary folder, or a fresh PostgreSQL database when TEST_DATABASE_URL is set."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"chaupal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def twilio_server():
    server = LoopbackTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url, redis_url, twilio_server):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "CHAUPAL_ENV": "testing",
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_CALLER_ID": "+15005550006",
            "TWILIO_API_BASE_URL": twilio_server.base_url,
            "SESSION_COOKIE_SECURE": False,
            # Still scrypt, at 1/32 of the work: hundreds of tests log in, and each full-strength
            # hash or check costs a quarter of a second (tests/core/test_auth.py checks the default).
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            # Twilio's default of one call (and one SMS segment) a second made every three-person
            # campaign test wait two seconds; the pacing tests set their own rates.
            "CAMPAIGN_CALLS_PER_SECOND": "50",
            "CAMPAIGN_SMS_SEGMENTS_PER_SECOND": "50",
        }
    )
    upgrade(app)
    return app


@pytest.fixture(scope="session")
def reference_rows(app) -> dict[str, list[dict]]:
    """The rows seed_reference makes (languages, topics, seed geography), made once for the run."""
    from core import seed

    with app.app_context():
        seed.seed_reference()
        rows = snapshots.table_rows()
        snapshots.clear()
    return rows


@pytest.fixture(autouse=True)
def _clean_state(request, app, twilio_server, reference_rows):
    """Each test starts with only the reference data, an empty Redis and an empty media folder."""
    ctx = app.app_context()
    ctx.push()
    snapshots.insert_rows(reference_rows)  # copied: seeding afresh for each test cost far more
    yield
    snapshots.clear()
    twilio_server.reset()
    ctx.pop()


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """login(role, **fields) -> the staff user, with the client logged in as them."""

    def do_login(role: str = "curator", **fields):
        user = make_staff(role=role, **fields)
        response = log_in(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do_login


@pytest.fixture
def twilio_post(client):
    """POST to a webhook exactly as Twilio does: form-encoded and signed for the public URL."""
    from twilio.request_validator import RequestValidator

    def post(path: str, params: dict | None = None, signature: str | None = None, **kwargs):
        params = {k: str(v) for k, v in (params or {}).items()}
        url = PUBLIC_BASE_URL + path
        if signature is None:
            signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature, **kwargs.pop("headers", {})}
        return client.post(path, data=params, headers=headers, **kwargs)

    return post


@pytest.fixture
def work(app):
    """Run the named queues' jobs with a real RQ worker until they are empty."""

    def run(*queue_names: str) -> None:
        worker = queue.make_worker(app, queue_names or queue.QUEUES)
        worker.work(burst=True, with_scheduler=False)

    return run


@pytest.fixture(scope="session")
def media_fixtures(tmp_path_factory) -> Path:
    """A folder for generated audio files shared by the run."""
    return tmp_path_factory.mktemp("media-fixtures")


# --- measured figures, quoted by the README's Guarantees section ---


@pytest.fixture(scope="session")
def figures_file(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "figures.json"


@pytest.fixture
def record_figure(figures_file):
    """record_figure(name, value): print the figure with its name and keep it in figures.json."""

    def record(name: str, value) -> None:
        print(f"FIGURE {name}: {value}")
        figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
        figures[name] = value
        figures_file.write_text(json.dumps(figures, indent=2))

    return record
