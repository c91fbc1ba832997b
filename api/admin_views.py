"""Admin pages: API tokens (create, shown once, revoke) and the API audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from api import audit, tokens, webhooks
from api.models import ApiToken
from core.auth import role_required
from core.db import db
from core.models import District

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api", template_folder="templates")


@bp.route("/tokens", methods=["GET", "POST"])
@role_required()
def token_list():
    """The token page: every token, and the form that makes one (its secret shown once)."""
    secret = None
    if request.method == "POST":
        secret = _create_from_form(request.form)
    return render_template(
        "api/tokens.html",
        tokens=tokens.all_tokens(),
        districts=_districts(),
        secret=secret,
        scopes=ApiToken.SCOPES,
    )


def _create_from_form(form) -> str | None:
    district_ids = (
        None if form.get("all_districts") else [int(d) for d in form.getlist("district_ids") if d.isdigit()]
    )
    if district_ids == []:
        flash("Choose at least one district, or all districts. / कम से कम एक ज़िला चुनें।", "error")
        return None
    scope = form.get("scope", ApiToken.READ)
    if scope not in ApiToken.SCOPES:
        scope = ApiToken.READ
    _, secret = tokens.create_token(
        form.get("name", ""), scope, district_ids, bool(form.get("sees_phones")), current_user
    )
    db.session.commit()
    return secret


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required()
def revoke_token(token_id: int):
    """Revoke a token: it stops working at once."""
    if tokens.revoke(token_id) is not None:
        db.session.commit()
        flash("Token revoked: it no longer works. / टोकन रद्द किया गया।", "info")
    return redirect(url_for("api_admin.token_list"))


@bp.route("/audit")
@role_required()
def audit_log():
    """The newest API writes."""
    return render_template("api/audit.html", entries=audit.recent())


def _districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name)))


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required()
def webhook_list():
    """The webhook page: every subscription, and the form that adds one (its secret shown once)."""
    secret = None
    if request.method == "POST":
        secret = _subscribe_from_form(request.form)
    return render_template(
        "api/webhooks.html", subscriptions=webhooks.all_subscriptions(), events=webhooks.EVENTS, secret=secret
    )


def _subscribe_from_form(form) -> str | None:
    try:
        subscription = webhooks.subscribe(
            form.get("url", ""), form.getlist("events"), bool(form.get("allow_private_host")), current_user.id
        )
    except ValueError as error:  # a refused or unresolvable address is a ValueError too
        flash(f"Not saved: {error}. / सहेजा नहीं गया।", "error")
        return None
    db.session.commit()
    return subscription.secret


@bp.route("/webhooks/<int:subscription_id>/stop", methods=["POST"])
@role_required()
def stop_webhook(subscription_id: int):
    """Stop sending to a subscription."""
    webhooks.deactivate(subscription_id)
    db.session.commit()
    flash("Subscription stopped. / सदस्यता रोकी गई।", "info")
    return redirect(url_for("api_admin.webhook_list"))


@bp.route("/webhooks/deliveries")
@role_required()
def webhook_deliveries():
    """The delivery log: each delivery's state, tries and last answer."""
    return render_template("api/deliveries.html", deliveries=webhooks.recent_deliveries())
