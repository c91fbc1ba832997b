"""The application factory: configuration, plumbing, then each package's blueprint."""

import logging
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from core import (
    analytics_summary,
    auth,
    charts,
    config,
    db,
    failed_jobs,
    headers,
    i18n,
    local_time,
    monitoring,
    people_views,
    queue,
    sandbox,
    session_expiry,
    staff_views,
    system,
    words,
)
from core.logs import configure_logging

health = Blueprint("health", __name__)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Chaupal web application."""
    settings = config.build_config(overrides)
    config.validate(settings)
    app = Flask("chaupal", instance_path=settings["INSTANCE_PATH"], root_path=str(config.ROOT / "core"))
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(app)
    db.init_app(app)
    queue.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    local_time.init_app(app)
    words.init_app(app)
    session_expiry.init_app(app)
    headers.init_app(app)
    monitoring.init_app(app)
    # X-Forwarded-For is believed only from the proxies configured: a client reaching the app
    # directly could otherwise pick any address and dodge the per-address login throttle.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXY_COUNT"] or 0), x_proto=1)
    register_core_pages(app)
    init_packages(app)
    register_pages(app)
    return app


def register_core_pages(app: Flask) -> None:
    """Login, health, people and the development Twilio sandbox."""
    app.register_blueprint(auth.bp)
    app.register_blueprint(health)
    app.register_blueprint(people_views.bp)
    app.register_blueprint(sandbox.bp)
    app.register_blueprint(failed_jobs.bp)
    app.register_blueprint(system.bp)
    app.register_blueprint(staff_views.bp)


def init_packages(app: Flask) -> None:
    """Each domain package wires itself in here, lowest layer first: the table of contents of the app."""
    import api
    import audio
    import campaigns
    import ivr
    import learning
    import transcription

    app.extensions.update({"chaupal.periodic": [], "chaupal.preload": {}, "chaupal.seeders": []})
    app.extensions["audio.recording_ready"] = []
    for package in (
        audio,
        transcription,
        campaigns,
        learning,
        ivr,
        api,
    ):  # the REST API reads every package: last
        package.init_app(app)


def register_pages(app: Flask) -> None:
    """Home page and error pages people can read."""
    app.add_url_rule("/", "home", home)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, error_page)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["chart"] = charts.chart  # the analytics pages draw their tables with it
    app.jinja_env.globals["summary_figures"] = analytics_summary.summary
    app.jinja_env.globals["other_figures"] = analytics_summary.the_rest


@login_required
def home():
    items = nav_items()
    if items:
        return redirect(items[0][1])
    return render_template("core/home.html")


def nav_items() -> list[tuple[str, str]]:
    """The workspace links this staff member may open: (label, url)."""
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label, roles in NAV:
        allowed = current_user.role in ("admin", *roles) or ("expert" in roles and current_user.is_expert)
        if allowed and endpoint in current_app.view_functions:
            items.append((str(label), url_for(endpoint)))
    return items


# (endpoint, label, roles): each package's views add their pages here by endpoint name.
# "expert" stands for any staff member marked as an expert, whatever their role.
NAV = [
    ("transcription.queue", lazy_gettext("Review queue"), ("curator",)),
    ("transcription.helpdesk", lazy_gettext("Help desk"), ("curator", "expert")),
    ("audio.library", lazy_gettext("Lessons"), ("curator",)),
    ("campaigns.index", lazy_gettext("Campaigns"), ("officer",)),
    ("campaigns.analytics", lazy_gettext("Analytics"), ("officer", "curator")),
    ("transcription.learning", lazy_gettext("Horizontal learning"), ("curator",)),
    ("learning.index", lazy_gettext("Courses"), ("curator", "officer")),
    ("people.contacts", lazy_gettext("People"), ("admin", "officer")),
    ("simulator.index", lazy_gettext("Phone simulator"), ("curator", "officer")),
    ("ivr.prompts", lazy_gettext("Phone prompts"), ("admin",)),
    ("auth.throttled", lazy_gettext("Failed logins"), ("admin",)),
    ("sms.inbox", lazy_gettext("Text messages"), ("curator",)),
    ("api_admin.token_list", lazy_gettext("API"), ()),
    ("system.index", lazy_gettext("System"), ()),
    ("failed_jobs.index", lazy_gettext("Failed jobs"), ()),
    ("staff.index", lazy_gettext("Staff"), ()),
]


def error_page(error):
    code = getattr(error, "code", 500)
    return render_template("core/error.html", error=error, code=code), code


@health.route("/healthz")
def healthz():
    return jsonify(status="ok")


@health.route("/readyz")
def readyz():
    checks = {"database": _check(db.ping), "redis": _check(_ping_redis)}
    models = _speech_models()
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "not ready", **checks, "speech_models": models}
    return jsonify(body), 200 if ready else 503


def _speech_models() -> dict:
    """Which languages have a speech model; the transcription package knows where models live."""
    report = current_app.extensions.get("chaupal.speech_models")
    if report:
        return report(current_app.config)
    return {lang: path.is_dir() for lang, path in config.vosk_models(current_app.config).items()}


def _ping_redis() -> None:
    queue.redis_connection().ping()


def _check(probe) -> str:
    try:
        probe()
    except (SQLAlchemyError, RedisError, OSError) as error:
        logging.getLogger(__name__).warning("readiness check failed: %s", error)
        return f"failed: {type(error).__name__}"
    return "ok"
