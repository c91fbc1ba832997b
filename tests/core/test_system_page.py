"""The admins' system page: queues, workers and speech models, in plain words, for admins only."""

import math

from core import queue, workers
from core.i18n import COOKIE
from tests.helpers import english_left


def test_admins_see_the_database_queues_and_speech_models(app, client, login, monkeypatch, tmp_path):
    (tmp_path / "vosk-model-small-hi-0.22").mkdir()
    monkeypatch.setitem(app.config, "VOSK_MODELS", f"hi={tmp_path / 'vosk-model-small-hi-0.22'}")
    campaigns = queue.get_queue("campaigns")
    campaigns.enqueue(math.sqrt, -1)
    workers.run_worker(app, ["campaigns"], burst=True, with_scheduler=False)
    queue.get_queue("default").enqueue(math.sqrt, 4)
    login("admin")
    page = client.get("/admin/system/").get_data(as_text=True)
    assert "SQLite" in page or "PostgreSQL" in page
    assert "answering" in page and "<dt>Telephone</dt><dd>Twilio</dd>" in page.replace("\n    ", "")
    default_row = page.split("<code>default</code>")[1].split("</tr>")[0]
    assert "<td>1</td>" in default_row and "no worker" in default_row
    campaigns_row = page.split("<code>campaigns</code>")[1].split("</tr>")[0]
    assert 'href="/admin/failed-jobs/">1</a>' in campaigns_row
    hindi_row = page.split("<td>Hindi</td>")[1].split("</tr>")[0]
    assert "vosk-model-small-hi" in hindi_row and "<td>yes</td>" in hindi_row  # named here only
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in page  # a URL may carry a password


def test_redis_down_is_said_and_the_page_still_answers(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    login("admin")
    response = client.get("/admin/system/")
    assert response.status_code == 200 and "cannot be reached just now" in response.get_data(as_text=True)


def test_only_admins_open_it_and_see_it_in_the_menu(client, login):
    for role in ("curator", "officer"):
        login(role)
        assert client.get("/admin/system/").status_code == 403
        assert "/admin/system/" not in client.get("/account").get_data(as_text=True)
    login("admin")
    assert 'href="/admin/system/"' in client.get("/account").get_data(as_text=True)


def test_the_system_and_failed_job_pages_in_hindi(app, client, login):
    admin = login("admin")
    client.set_cookie(COOKIE, "hi")
    for path in ("/admin/system/", "/admin/failed-jobs/"):
        page = client.get(path).get_data(as_text=True)
        technical = set(page.split("<code>")[1:])  # queue names, model folders, addresses stay as written
        names = tuple(part.split("</code>")[0] for part in technical) + (
            "SQLite",
            "PostgreSQL",
            admin.username,
        )
        assert english_left(page, names) == set(), path
