"""A form sent after the session ran out: nothing typed is lost, the person logs in again and goes on."""

from urllib.parse import urlsplit

from flask import Flask, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from core.auth import safe_next_url


def init_app(app: Flask) -> None:
    """Answer a refused form token with a page that leads back to the form through the login."""
    app.register_error_handler(CSRFError, session_ended)


def session_ended(error: CSRFError):
    """The browser keeps what was typed (static/layout.js); this page sends the person back to it."""
    back = safe_next_url(_form_page())
    login = url_for("auth.login", next=back)
    return render_template("core/session_ended.html", login_url=login, back=back), 400


def _form_page() -> str:
    """The page the form was on (the Referer's path), else the address it was sent to."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path
