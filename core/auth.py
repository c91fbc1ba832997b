"""Staff login, roles, CSRF and login throttling."""

import functools
import logging
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import db
from core.models import StaffUser
from core.queue import redis_connection

log = logging.getLogger(__name__)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "strong"
bp = Blueprint("auth", __name__, template_folder="templates")
# Checked even for unknown names, so response time does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def init_app(app) -> None:
    """Enable CSRF on every form and session-based staff login."""
    csrf.init_app(app)
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(session_id: str) -> StaffUser | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def hash_password(password: str) -> str:
    """A scrypt hash of the password."""
    return generate_password_hash(password, method="scrypt")


def create_staff(username: str, password: str, role: str, **fields) -> StaffUser:
    """Add a staff account; the caller commits."""
    if role not in StaffUser.ROLES:
        raise ValueError(f"role must be one of {', '.join(StaffUser.ROLES)}")
    if len(password) < 10:
        raise ValueError("password must be at least 10 characters")
    user = StaffUser(
        username=username.strip().lower(),
        password_hash=hash_password(password),
        role=role,
        session_token=secrets.token_hex(16),
        **fields,
    )
    db.session.add(user)
    return user


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active staff user with these credentials, or None."""
    user = db.session.scalar(select(StaffUser).filter_by(username=username.strip().lower()))
    password_hash = user.password_hash if user else _DUMMY_HASH
    if not check_password_hash(password_hash, password) or user is None or not user.active:
        return None
    return user


def role_required(*roles: str):
    """Allow a view only to logged-in staff with one of the roles (admins always pass)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role != StaffUser.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = (StaffUser.ADMIN, *roles)  # read by the route-matrix tests
        return guarded

    return decorator


# --- throttling: failures counted per account and per address in Redis, expiring by themselves ---


def _throttle_keys(username: str) -> list[tuple[str, int]]:
    config = current_app.config
    return [
        (
            f"chaupal:login:user:{username.strip().lower()}",
            config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        ),
        (f"chaupal:login:ip:{request.remote_addr}", config["LOGIN_MAX_FAILURES_PER_IP"]),
    ]


def login_blocked(username: str) -> bool:
    """True while this account or address has too many recent failures."""
    try:
        redis = redis_connection()
        return any(int(redis.get(key) or 0) >= limit for key, limit in _throttle_keys(username))
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)
        return False


def record_failure(username: str) -> None:
    """Count a failed login against the account and the address."""
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    try:
        pipe = redis_connection().pipeline()
        for key, _ in _throttle_keys(username):
            pipe.incr(key)
            pipe.expire(key, window)
        pipe.execute()
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)


def clear_failures(username: str) -> None:
    """Forget the account's failures after a successful login."""
    try:
        redis_connection().delete(_throttle_keys(username)[0][0])
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("core/login.html")
    username = request.form.get("username", "")
    if login_blocked(username):
        flash("Too many failed attempts. Please wait 15 minutes and try again.", "error")
        return render_template("core/login.html", username=username), 429
    user = authenticate(username, request.form.get("password", ""))
    if user is None:
        record_failure(username)
        flash("That username and password do not match.", "error")
        return render_template("core/login.html", username=username), 401
    clear_failures(username)
    session.clear()  # a fresh session at login: nothing from before carries over
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.session_token = secrets.token_hex(16)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
