"""Staff pages for the contact directory: list, edit, opt-out, CSV import and export."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from core import contact_import, i18n, jobs, people, queue
from core.auth import role_required
from core.db import db
from core.models import Contact, Language, NumberReveal, StaffUser, SuppressionEvent, Topic

bp = Blueprint("people", __name__, url_prefix="/people")
PAGE_SIZE = 50


@bp.route("/")
@role_required(StaffUser.OFFICER)
def contacts():
    search = request.args.get("q", "")
    page = max(request.args.get("page", 1, type=int), 1)
    query = people.visible_contacts(current_user.district_ids(), search)
    rows = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("core/people.html", rows=rows, search=search)


def _visible_contact(contact_id: int) -> Contact:
    contact = db.get_or_404(Contact, contact_id)
    if not current_user.may_see(contact):
        abort(404)  # another district's contact: as if it did not exist
    return contact


@bp.route("/<int:contact_id>", methods=["GET", "POST"])
@role_required(StaffUser.OFFICER)
def contact(contact_id: int):
    contact = _visible_contact(contact_id)
    if request.method == "POST":
        _update_contact(contact, request.form)
        db.session.commit()
        flash(gettext("Saved."), "info")
        return redirect(url_for("people.contact", contact_id=contact.id))
    return _person_page(contact, revealed=False)


@bp.post("/<int:contact_id>/reveal")
@role_required(StaffUser.OFFICER)
def reveal_number(contact_id: int):
    """Show this contact's full number once, on this answer only, and record who asked."""
    contact = _visible_contact(contact_id)
    db.session.add(NumberReveal(contact_id=contact.id, staff_id=current_user.id))
    db.session.commit()
    response = current_app.make_response(_person_page(contact, revealed=True))
    response.headers["Cache-Control"] = "no-store"  # the number must not stay in a cache or history
    return response


def _person_page(contact: Contact, revealed: bool) -> str:
    return render_template(
        "core/person.html",
        contact=contact,
        revealed=revealed,
        reveals=people.recent_reveals(contact.id),
        roles=Contact.ROLES,
        languages=db.session.scalars(db.select(Language).order_by(Language.menu_digit)),
        districts=people.districts_visible_to(current_user),
    )


def _update_contact(contact: Contact, form) -> None:
    contact.name = form.get("name", contact.name).strip()[:120]
    if form.get("role") in Contact.ROLES:
        contact.role = form["role"]
    if db.session.get(Language, form.get("language", "")):
        contact.language_code = form["language"]
    district_id = form.get("district_id", type=int)
    if district_id and district_id in {d.id for d in people.districts_visible_to(current_user)}:
        contact.district_id = district_id
    contact.missed_call_mode = form.get("missed_call_mode") == "on"
    if form.get("opted_out") == "on":
        people.opt_out(contact, SuppressionEvent.STAFF, current_user.id)
    else:
        people.opt_in(contact, SuppressionEvent.STAFF, current_user.id)


@bp.route("/import", methods=["GET", "POST"])
@role_required(StaffUser.OFFICER)
def import_csv():
    if request.method == "POST":
        upload = request.files.get("file")
        if not upload or not upload.filename:
            flash(gettext("Choose a CSV file to import."), "error")
        else:
            upload_id = _queue_import(upload, dry_run=request.form.get("dry_run") == "on")
            if upload_id:
                return redirect(url_for("people.import_report", upload_id=upload_id), code=303)
    return _import_page(report=None, waiting=False)


def _import_page(report, waiting: bool) -> str:
    return render_template(
        "core/people_import.html",
        report=report,
        waiting=waiting,
        columns=people.CSV_COLUMNS,
        topics=_topics(),
    )


def _topics() -> list[Topic]:
    return list(db.session.scalars(db.select(Topic).where(Topic.active).order_by(Topic.position)))


def _queue_import(upload, dry_run: bool) -> str | None:
    # The request only saves the file: checking a million rows belongs to a worker, not to the web.
    upload_id = contact_import.new_upload_id()
    path = contact_import.upload_path(upload_id)
    upload.save(path)
    allowed = current_user.district_ids()
    districts = sorted(allowed) if allowed is not None else None
    language = i18n.current_language()  # the report's lines are written in the uploader's language
    queued = queue.enqueue_now(
        "default", jobs.import_contacts, upload_id, dry_run, districts, language, job_timeout=3600
    )
    if queued:
        session["imports"] = [*session.get("imports", [])[-19:], upload_id]
        return upload_id
    path.unlink()
    flash(
        gettext("The job queue cannot be reached just now: nothing was imported. Try again in a minute."),
        "error",
    )
    return None


@bp.get("/import/<upload_id>")
@role_required(StaffUser.OFFICER)
def import_report(upload_id: str):
    if current_user.role != StaffUser.ADMIN and upload_id not in session.get("imports", []):
        abort(404)  # an officer reads only the reports of their own uploads
    report = contact_import.saved_report(upload_id)
    return _import_page(report=report, waiting=report is None)


@bp.route("/export.csv")
@role_required(StaffUser.ADMIN)
def export_csv():
    return Response(
        people.export_contacts(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=chaupal-contacts.csv",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<int:contact_id>/erase")
@role_required(StaffUser.ADMIN)
def erase(contact_id: int):
    """Delete everything about a person at their request, then show what was removed."""
    contact = _visible_contact(contact_id)
    if request.form.get("confirm", "").strip().upper() != "DELETE":
        flash(gettext("Type DELETE to confirm that everything about this person should be deleted."), "error")
        return redirect(url_for("people.contact", contact_id=contact.id))
    # The phone line owns erasure (it reaches every package); it hands core the entry point at init.
    erase_now = current_app.extensions["chaupal.erase_now"]
    erasure = erase_now(contact, "staff", current_user.id)
    return render_template("core/erasure.html", erasure=erasure)
