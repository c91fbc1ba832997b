"""Staff pages of the learning engine (quiz items, courses, enrolment, calendar, unlearning, analytics)
and the public certificate check."""

from datetime import datetime
from typing import BinaryIO, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from audio.models import Lesson, LessonTrack
from campaigns import schedule
from core import params, people
from core.auth import role_required
from core.db import db
from core.models import Block, Contact, Language, Topic
from core.words import page_language
from learning import analytics, calendar, certificates, courses, enrolment, quizzes, unlearning
from learning.errors import LearningError
from learning.models import Course, QuizItem

bp = Blueprint("learning", __name__, url_prefix="/learning", template_folder="templates")
verify_bp = Blueprint("verify", __name__, template_folder="templates")
AUTHORS = ("curator",)  # and admins, who pass every role check
READERS = ("curator", "officer")


def _lesson_choices() -> list[tuple[Lesson, str]]:
    """Published lessons, each with its title in the page's language (else the first it has)."""
    query = (
        select(Lesson, LessonTrack.title, LessonTrack.language_code)
        .join(LessonTrack, LessonTrack.lesson_id == Lesson.id)
        .where(Lesson.kind == Lesson.LESSON, Lesson.status == Lesson.PUBLISHED)
        .order_by(Lesson.position, Lesson.id, LessonTrack.language_code)
    )
    seen: dict[int, tuple[Lesson, str]] = {}
    for lesson, title, code in db.session.execute(query):
        if lesson.id not in seen or code == page_language():
            seen[lesson.id] = (lesson, title)
    return list(seen.values())


def _languages() -> list[Language]:
    return list(db.session.scalars(select(Language).filter_by(active=True).order_by(Language.menu_digit)))


def _topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


@bp.get("/")
@role_required(*READERS)
def index():
    items = db.session.scalars(select(QuizItem).order_by(QuizItem.id.desc()))
    all_courses = db.session.scalars(select(Course).order_by(Course.id.desc()))
    return render_template("learning/index.html", items=list(items), courses=list(all_courses))


@bp.route("/items/new", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new_item():
    return _edit_item(None)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_item(item_id: int):
    return _edit_item(db.get_or_404(QuizItem, item_id))


def _edit_item(item: QuizItem | None):
    form = request.form.to_dict() if request.method == "POST" else None
    if form is not None:
        uploads = {
            code[6:]: quizzes.Upload(cast(BinaryIO, file.stream), file.filename)
            for code, file in request.files.items()
            if code.startswith("audio_") and file and file.filename
        }
        try:
            item = quizzes.save_item(item, form, current_user.id, uploads)
        except LearningError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Quiz item saved."), "info")
            return redirect(url_for("learning.edit_item", item_id=item.id))
    return render_template(
        "learning/item_form.html",
        item=item,
        form=form,
        lessons=_lesson_choices(),
        topics=_topics(),
        languages=_languages(),
        keys=quizzes.KEYS,
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(*AUTHORS)
def new_course():
    return _edit_course(None)


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_course(course_id: int):
    return _edit_course(db.get_or_404(Course, course_id))


def _edit_course(course: Course | None):
    form = None
    if request.method == "POST":
        form = {
            **request.form.to_dict(),
            "lesson_ids": [v for v in request.form.getlist("lesson_ids") if v],
            "pre_item_ids": request.form.getlist("pre_item_ids"),
            "post_item_ids": request.form.getlist("post_item_ids"),
        }
        try:
            course = courses.save_course(course, form, current_user.id)
        except LearningError as error:
            flash(str(error), "error")
        else:
            flash(gettext("Course saved."), "info")
            return redirect(url_for("learning.edit_course", course_id=course.id))
    items = db.session.scalars(
        select(QuizItem).where(QuizItem.status == QuizItem.PUBLISHED).order_by(QuizItem.id)
    )
    return render_template(
        "learning/course_form.html",
        course=course,
        form=form,
        lessons=_lesson_choices(),
        topics=_topics(),
        items=list(items),
        rows=max(4, len(course.lessons) + 2 if course else 4),
    )


@bp.route("/courses/<int:course_id>/enrol", methods=["GET", "POST"])
@role_required("officer")
def enrol(course_id: int):
    course = db.get_or_404(Course, course_id)
    if request.method == "POST":
        form = {
            "theme": request.form.get("theme", ""),
            "starts_at": _local_datetime(request.form.get("starts_at")),
            "district_ids": request.form.getlist("district_ids"),
            "audience": {
                **{key: request.form.getlist(key) for key in ("roles", "languages", "block_ids")},
                "not_called_days": request.form.get("not_called_days"),
            },
        }
        try:
            series, count = enrolment.start_series(course, form, current_user)
            left_out = enrolment.opted_out_left_out(form, current_user)
        except LearningError as error:
            flash(str(error), "error")
        else:
            flash(gettext("%(count)s people enrolled.", count=count), "info")
            if left_out:
                flash(gettext("%(count)s people who opted out were not enrolled.", count=left_out), "info")
            return redirect(url_for("learning.calendar_page", month=series.starts_at.strftime("%Y-%m")))
    return render_template(
        "learning/enrol.html",
        course=course,
        districts=people.districts_visible_to(current_user),
        blocks=_blocks(),
        languages=_languages(),
        roles=Contact.ROLES,
    )


def _id(value) -> int:
    """A form's id, or ValueError (the page asks to choose) for anything that names no row."""
    found = params.whole_number(value)
    if found is None:
        raise ValueError("not an id")
    return found


def _blocks() -> list[Block]:
    districts = [d.id for d in people.districts_visible_to(current_user)]
    return list(
        db.session.scalars(select(Block).where(Block.district_id.in_(districts)).order_by(Block.name))
    )


def _local_datetime(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if params.iso_date(moment.date().isoformat()) is None:  # years outside 2000-2099 are typing mistakes
        return None
    return moment.replace(tzinfo=schedule.zone()) if moment.tzinfo is None else moment


@bp.get("/calendar")
@role_required(*READERS)
def calendar_page():
    months = calendar.months(current_user.district_ids())
    return render_template("learning/calendar.html", months=months)


@bp.route("/replace", methods=["GET", "POST"])
@role_required(*AUTHORS)
def replace():
    if request.method == "POST":
        try:
            old_id, new_id = (
                _id(request.form.get("old_lesson_id")),
                _id(request.form.get("new_lesson_id")),
            )
            unlearning.replace_lesson(old_id, new_id, request.form.get("reason", ""), current_user.id)
        except ValueError as error:  # LearningError, or an id that is not a number
            flash(str(error) if isinstance(error, LearningError) else gettext("choose both lessons"), "error")
        else:
            flash(gettext("Lesson replaced; its listeners will hear the new advice."), "info")
            return redirect(url_for("learning.replace"))
    rows = [(r, unlearning.reach(r)) for r in unlearning.replacements()]
    return render_template("learning/replace.html", lessons=_lesson_choices(), rows=rows)


@bp.get("/analytics")
@role_required(*READERS)
def analytics_page():
    tables = analytics.tables(current_user.district_ids())
    return render_template("learning/analytics.html", tables=tables, summary=analytics.summary(tables))


@bp.get("/analytics/<name>.csv")
@role_required(*READERS)
def analytics_csv(name: str):
    tables = analytics.tables(current_user.district_ids())
    if name not in tables:
        abort(404)
    return _csv(tables[name].csv(), f"learning-{name}.csv")


@bp.get("/certificates.csv")
@role_required(*READERS)
def certificates_csv():
    return _csv(certificates.certified_csv(current_user.district_ids()), "certified-by-district.csv")


def _csv(text: str, filename: str) -> Response:
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    return Response(text, mimetype="text/csv", headers=headers)


@verify_bp.get("/verify/<code>")
def certificate(code: str):
    found = certificates.verify(code)
    return render_template("learning/verify.html", found=found, code=code), 200 if found else 404
