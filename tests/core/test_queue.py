import json
import zlib

import pytest

from core import queue
from core.db import db
from core.models import Contact
from tests.factories import make_contact

MARK = "chaupal:test:jobs-ran"


def record_run(contact_id: int) -> None:
    """A job for the tests: proves it ran inside the app with database access."""
    contact = db.session.get(Contact, contact_id)
    queue.redis_connection().rpush(MARK, contact.name if contact else "gone")


def test_enqueue_happens_only_after_commit(app):
    contact = make_contact(name="Asha")
    queue.enqueue_after_commit("default", "tests.core.test_queue.record_run", contact.id)
    assert queue.get_queue("default").count == 0
    db.session.commit()
    assert queue.get_queue("default").count == 1


def test_rollback_drops_the_pending_enqueue(app):
    contact = make_contact()
    queue.enqueue_after_commit("default", "tests.core.test_queue.record_run", contact.id)
    db.session.rollback()
    db.session.commit()
    assert queue.get_queue("default").count == 0


def test_real_worker_runs_the_job_with_the_app(app, work):
    contact = make_contact(name="Asha")
    queue.enqueue_now("default", "tests.core.test_queue.record_run", contact.id)
    work("default")
    assert queue.redis_connection().lrange(MARK, 0, -1) == [b"Asha"]


def test_job_data_is_json_not_pickle(app):
    job = queue.get_queue("default").enqueue("tests.core.test_queue.record_run", 7)
    raw = zlib.decompress(queue.redis_connection().hget(f"rq:job:{job.id}", "data"))
    assert json.loads(raw)[0] == "tests.core.test_queue.record_run"


def test_unreachable_redis_does_not_lose_the_commit(app, monkeypatch):
    broken = queue.Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    monkeypatch.setattr(queue, "redis_connection", lambda *a: broken)
    contact = make_contact(name="kept")
    queue.enqueue_after_commit("default", "tests.core.test_queue.record_run", contact.id)
    db.session.commit()  # the enqueue fails quietly; the row is saved
    assert db.session.get(Contact, contact.id).name == "kept"


def test_embedded_server_persists_with_append_only_file(tmp_path):
    process = queue.start_embedded(tmp_path)
    try:
        connection = queue.Redis.from_url(queue.embedded_url(tmp_path))
        assert connection.config_get("appendonly")["appendonly"] == "yes"
        assert connection.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        connection.rpush("kept", "job")
    finally:
        queue.stop_process(process)
    process = queue.start_embedded(tmp_path)
    try:
        assert queue.Redis.from_url(queue.embedded_url(tmp_path)).lrange("kept", 0, -1) == [b"job"]
    finally:
        queue.stop_process(process)


@pytest.mark.parametrize("url", ["unix:///nonexistent/redis.sock", "redis://127.0.0.1:1"])
def test_is_reachable_is_false_for_dead_servers(url):
    assert queue.is_reachable(url) is False


def test_periodic_job_is_enqueued_once_per_slot(app):
    job = queue.Periodic(record_run, every_seconds=60)
    assert len(queue.enqueue_due([job], now=600)) == 1
    assert queue.enqueue_due([job], now=630) == []  # same minute: a second cron process adds nothing
    assert len(queue.enqueue_due([job], now=660)) == 1
    assert queue.get_queue("default").count == 2
