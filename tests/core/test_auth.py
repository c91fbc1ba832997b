from core import auth
from core.config import build_config
from core.db import db
from tests.factories import make_staff
from tests.helpers import csrf_token, log_in


def test_form_without_csrf_token_is_rejected(client):
    user = make_staff("curator")
    response = client.post("/login", data={"username": user.username, "password": "x" * 12})
    assert response.status_code == 400


def test_password_is_hashed_with_full_strength_scrypt_which_the_environment_cannot_lower(
    app, monkeypatch, tmp_path
):
    weaker = {"PASSWORD_HASH_METHOD": "scrypt:16:1:1"}
    default = build_config({"INSTANCE_PATH": str(tmp_path)}, environ=weaker)["PASSWORD_HASH_METHOD"]
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", default)
    user = make_staff("admin")
    assert user.password_hash.startswith("scrypt:32768:8:1$")  # werkzeug's work factor


def test_an_unknown_name_is_checked_against_a_hash_as_costly_as_a_real_one(client, monkeypatch):
    checked = []
    check = auth.check_password_hash
    monkeypatch.setattr(
        auth, "check_password_hash", lambda hashed, word: checked.append(hashed) or check(hashed, word)
    )
    user = make_staff("curator")
    assert log_in(client, "nobody-at-all", "wrong password!").status_code == 401
    assert log_in(client, user.username, "wrong password!").status_code == 401
    [unknown, known] = [hashed.partition("$")[0] for hashed in checked]
    assert unknown == known and unknown.startswith("scrypt:")


def test_account_is_throttled_after_repeated_failures(client, app):
    user = make_staff("curator")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert log_in(client, user.username, "wrong password!").status_code == 401
    blocked = log_in(client, user.username)  # even the right password waits out the window
    assert blocked.status_code == 429
    assert "wait 15 minutes" in blocked.get_data(as_text=True)


def test_throttle_expires_so_no_permanent_lockout(client, app):
    from core.queue import redis_connection

    user = make_staff("curator")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        log_in(client, user.username, "wrong password!")
    keys = list(redis_connection().scan_iter(f"chaupal:login:*{user.username}*"))
    ttls = [redis_connection().ttl(key) for key in keys]
    assert keys and all(0 < ttl <= app.config["LOGIN_FAILURE_WINDOW_SECONDS"] for ttl in ttls)
    redis_connection().delete(*keys)  # the window passing
    assert log_in(client, user.username).status_code == 302


def test_copied_session_cookie_is_useless_after_logout(app, login, client):
    login("curator")
    cookie = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 302


def test_session_is_rotated_at_login(client):
    user = make_staff("curator")
    csrf_token(client)
    before = client.get_cookie("session").value
    log_in(client, user.username)
    assert client.get_cookie("session").value != before


def test_session_cookie_flags(client):
    user = make_staff("curator")
    response = log_in(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_inactive_account_cannot_log_in(client):
    user = make_staff("curator")
    user.active = False
    db.session.commit()
    assert log_in(client, user.username).status_code == 401


def test_open_redirect_after_login_is_refused(client):
    user = make_staff("curator")
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example.com/",
        data={"username": user.username, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_one_address_guessing_many_accounts_is_throttled(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 3)
    users = [make_staff("curator") for _ in range(4)]
    for user in users[:3]:
        assert log_in(client, user.username, "wrong password!").status_code == 401
    assert log_in(client, users[3].username).status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert log_in(other_address, users[3].username).status_code == 302
