"""Staff accounts in the browser: admins manage everyone's, each person keeps their own."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user
from sqlalchemy import select

from core import staff
from core.auth import create_staff, role_required
from core.db import db
from core.i18n import COOKIE, COOKIE_SECONDS, LANGUAGES
from core.models import District, StaffUser

bp = Blueprint("staff", __name__)
EVERYONE = (StaffUser.CURATOR, StaffUser.OFFICER)


@bp.get("/staff/")
@role_required(StaffUser.ADMIN)
def index():
    return render_template("core/staff_list.html", people=staff.all_staff())


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required(StaffUser.ADMIN)
def new():
    if request.method == "POST":
        try:
            user = _create(request.form)
        except staff.StaffError as error:
            db.session.rollback()
            return _form(None, str(error)), 400
        flash(gettext("Account %(name)s made. Give them the password in person.", name=user.username), "info")
        return redirect(url_for("staff.index"))
    return _form(None)


def _create(form) -> StaffUser:
    username = form.get("username", "").strip().lower()
    if not username or staff.username_taken(username):
        raise staff.StaffError(gettext("Choose a username nobody has yet."))
    staff.check_password(form.get("password", ""), form.get("password_again", ""))
    user = create_staff(username, form.get("password", ""), form.get("role") or StaffUser.OFFICER)
    staff.apply_admin_fields(user, form)
    db.session.commit()
    return user


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@role_required(StaffUser.ADMIN)
def edit(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    if request.method == "POST":
        try:
            _update(user, request.form)
        except staff.StaffError as error:
            db.session.rollback()
            return _form(user, str(error)), 400
        db.session.commit()
        flash(gettext("Saved."), "info")
        return redirect(url_for("staff.index"))
    return _form(user)


def _update(user: StaffUser, form) -> None:
    if user.id == current_user.id and (form.get("role") != StaffUser.ADMIN or form.get("active", "1") != "1"):
        raise staff.StaffError(gettext("You cannot take away your own admin role or lock yourself out."))
    staff.apply_admin_fields(user, form)
    if form.get("password"):
        staff.set_password(user, form.get("password", ""), form.get("password_again", ""))


def _form(user: StaffUser | None, error: str = ""):
    districts = db.session.scalars(select(District).order_by(District.name))
    form = request.form if request.method == "POST" else None
    return render_template(
        "core/staff_form.html", user=user, form=form, error=error, districts=districts, roles=StaffUser.ROLES
    )


@bp.route("/account", methods=["GET", "POST"])
@role_required(*EVERYONE)
def account():
    if request.method == "POST":
        try:
            _update_own(request.form)
        except staff.StaffError as error:
            db.session.rollback()
            return _account_page(str(error)), 400
        db.session.commit()
        login_user(
            current_user._get_current_object()
        )  # a new password ended the session: carry on in a new one
        return _saved_with_language(request.form.get("language", ""))
    return _account_page()


def _update_own(form) -> None:
    staff.set_phone(current_user, form.get("phone", ""))
    if form.get("password"):
        staff.set_password(current_user, form.get("password", ""), form.get("password_again", ""))


def _saved_with_language(language: str):
    flash(gettext("Your account is saved."), "info")
    response = redirect(url_for("staff.account"))
    if language in LANGUAGES:
        response.set_cookie(COOKIE, language, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response


def _account_page(error: str = ""):
    form = request.form if request.method == "POST" else None
    return render_template("core/account.html", form=form, error=error, languages=LANGUAGES)
