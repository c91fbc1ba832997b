"""Admin pages: API tokens (create, shown once, revoke) and the API audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from api import audit, tokens, webhooks
from api.models import ApiToken, WebhookDelivery
from core.auth import role_required
from core.db import db
from core.models import District

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api", template_folder="templates")

# Words for values the pages show, in the page's language (the codes stay what receivers see).
EVENT_NAMES = {
    "story.published": lazy_gettext("a story was published"),
    "question.asked": lazy_gettext("a question was asked"),
    "question.answered": lazy_gettext("a question was answered"),
    "contact.opted_out": lazy_gettext("someone stopped the calls and messages"),
    "contact.opted_in": lazy_gettext("someone joined again"),
    "certificate.issued": lazy_gettext("a certificate was given"),
    "campaign.finished": lazy_gettext("a campaign finished"),
}
DELIVERY_STATES = {
    WebhookDelivery.PENDING: lazy_gettext("waiting to be sent"),
    WebhookDelivery.DELIVERED: lazy_gettext("delivered"),
    WebhookDelivery.FAILED: lazy_gettext("failed"),
    WebhookDelivery.REFUSED: lazy_gettext("refused"),
}
PARAMETER_PLACES = {
    "path": lazy_gettext("in the address"),
    "query": lazy_gettext("after ? in the address"),
    "header": lazy_gettext("in a header"),
}


@bp.app_template_filter()
@bp.app_template_global()
def webhook_event_name(event: str) -> str:
    """What a webhook event means, in the page's language."""
    return str(EVENT_NAMES.get(event, event))


@bp.app_template_global()
def delivery_state(status: str) -> str:
    """A webhook delivery's state in the page's language."""
    return str(DELIVERY_STATES.get(status, status))


@bp.app_template_global()
def parameter_place(place: str) -> str:
    """Where an API parameter goes, in the page's language."""
    return str(PARAMETER_PLACES.get(place, place))


@bp.route("/tokens", methods=["GET", "POST"])
@role_required()
def token_list():
    """The token page: every token, and the form that makes one (its secret shown once)."""
    secret = None
    if request.method == "POST":
        secret = _create_from_form(request.form)
    refused = request.method == "POST" and secret is None
    return render_template(
        "api/tokens.html",
        tokens=tokens.all_tokens(),
        districts=_districts(),
        secret=secret,
        scopes=ApiToken.SCOPES,
        form=request.form if refused else MultiDict(),  # a refused form comes back as typed
    ), 400 if refused else 200


def _create_from_form(form) -> str | None:
    district_ids = (
        None if form.get("all_districts") else [int(d) for d in form.getlist("district_ids") if d.isdigit()]
    )
    if district_ids == []:
        flash(gettext("Choose at least one district, or all districts."), "error")
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
        flash(gettext("Token revoked: it no longer works."), "info")
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
    refused = request.method == "POST" and secret is None
    return render_template(
        "api/webhooks.html",
        subscriptions=webhooks.all_subscriptions(),
        events=webhooks.EVENTS,
        secret=secret,
        form=request.form if refused else MultiDict(),  # a refused form comes back as typed
    ), 400 if refused else 200


def _subscribe_from_form(form) -> str | None:
    try:
        subscription = webhooks.subscribe(
            form.get("url", ""), form.getlist("events"), bool(form.get("allow_private_host")), current_user.id
        )
    except ValueError as error:  # a refused or unresolvable address is a ValueError too
        flash(gettext("Not saved: %(reason)s.", reason=error), "error")
        return None
    db.session.commit()
    return subscription.secret


@bp.route("/webhooks/<int:subscription_id>/stop", methods=["POST"])
@role_required()
def stop_webhook(subscription_id: int):
    """Stop sending to a subscription."""
    webhooks.deactivate(subscription_id)
    db.session.commit()
    flash(gettext("Subscription stopped."), "info")
    return redirect(url_for("api_admin.webhook_list"))


@bp.route("/webhooks/deliveries")
@role_required()
def webhook_deliveries():
    """The delivery log: each delivery's state, tries and last answer."""
    return render_template("api/deliveries.html", deliveries=webhooks.recent_deliveries())
