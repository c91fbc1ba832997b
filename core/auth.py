"""Staff login, roles, CSRF and login throttling."""

import functools
import logging
import re
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core import login_throttle
from core.db import db
from core.models import StaffUser

log = logging.getLogger(__name__)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please log in to continue.")
login_manager.session_protection = "strong"
bp = Blueprint("auth", __name__, template_folder="templates")


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
    """A scrypt hash of the password, at the work factor PASSWORD_HASH_METHOD names."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked for unknown names at the same cost as a real hash, so timing does not reveal accounts."""
    return generate_password_hash("not a real password", method=method)


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
    password_hash = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("core/login.html")
    username = request.form.get("username", "")
    wait = login_throttle.wait_seconds(username)
    if wait:
        return _too_many_failures(username, wait)
    user = authenticate(username, request.form.get("password", ""))
    if user is None:
        login_throttle.record_failure(username)
        flash(gettext("That username and password do not match."), "error")
        return render_template("core/login.html", username=username), 401
    login_throttle.clear_failures(username)
    session.clear()  # a fresh session at login: nothing from before carries over
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


def _too_many_failures(username: str, wait: int):
    minutes = (wait + 59) // 60
    if wait > 60:
        message = gettext(
            "Too many failed attempts. Please wait %(count)s minutes and try again.", count=minutes
        )
    else:
        message = gettext(
            "Too many failed attempts. Please wait %(count)s seconds and try again.", count=wait
        )
    flash(message, "error")
    response = make_response(render_template("core/login.html", username=username), 429)
    response.headers["Retry-After"] = str(wait)
    return response


# Only a path on this site: no scheme, no host, no "//" or "/\" (browsers read both as a host), and
# no whitespace or control characters (browsers drop a tab, so "/\t/evil.example" becomes "//evil...").
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


def _safe_next(target: str | None) -> str:
    if target and _LOCAL_PATH.fullmatch(target) and not urlsplit(target).netloc:
        return target
    return url_for("home")


def safe_next_url(target: str | None) -> str:
    """A path on this site to go back to, or the workspace's home."""
    return _safe_next(target)


@bp.get("/login/throttled")
@role_required(StaffUser.ADMIN)
def throttled():
    return render_template("core/login_throttled.html", accounts=login_throttle.throttled_accounts())


@bp.post("/login/throttled/unlock")
@role_required(StaffUser.ADMIN)
def unlock():
    username = request.form.get("username", "")
    login_throttle.unlock(username)
    log.info("admin %s unlocked login for %s", current_user.id, username)
    flash(gettext("%(name)s: failed logins forgotten, the account may log in now.", name=username), "info")
    return redirect(url_for("auth.throttled"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.session_token = secrets.token_hex(16)
    db.session.commit()
    logout_user()
    session.clear()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("auth.login"))
