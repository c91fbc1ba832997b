"""Officer pages for keypad polls: write one, send it as a campaign or attach it to a lesson, read the results."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from audio import playback
from campaigns import polls
from campaigns.models import Poll
from core import csv_export, people
from core.auth import role_required
from core.db import db

bp = Blueprint("polls", __name__, url_prefix="/polls", template_folder="templates")


def _poll(poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None or not polls.may_see(current_user, poll):
        abort(404)  # another district's poll is not there for this officer
    return poll


@bp.get("/")
@role_required("officer")
def index():
    return render_template(
        "campaigns/polls.html", polls=polls.visible_polls(current_user), questions=range(Poll.MAX_QUESTIONS)
    )


@bp.post("/")
@role_required("officer")
def create():
    form = request.form
    asked = [
        polls.QuestionForm(
            form.get(f"text_hi_{n}", ""), form.get(f"text_en_{n}", ""), form.get(f"choices_{n}", "")
        )
        for n in range(Poll.MAX_QUESTIONS)
    ]
    try:
        poll = polls.create(form.get("title", ""), asked, form.get("anonymous") == "1", current_user)
    except polls.PollError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("polls.index"))
    flash(gettext("Poll saved."), "info")
    return redirect(url_for("polls.show", poll_id=poll.id))


@bp.get("/<int:poll_id>")
@role_required("officer")
def show(poll_id: int):
    poll = _poll(poll_id)
    by = request.args.get("by", "district")
    by = by if by in polls.BREAKDOWNS else "district"
    seen = current_user.district_ids()  # an officer counts their own districts' answers only
    results = [(polls.results(q, seen), polls.breakdown(q, by, seen)) for q in poll.questions]
    return render_template(
        "campaigns/poll.html",
        poll=poll,
        results=results,
        scoped=seen is not None,
        by=by,
        breakdowns=polls.BREAKDOWNS,
        districts=people.districts_visible_to(current_user),
        lessons=playback.published_lessons("en"),
    )


@bp.get("/<int:poll_id>/answers.csv")
@role_required("officer")
def answers_csv(poll_id: int):
    poll = _poll(poll_id)
    header, rows = polls.csv_rows(poll, current_user.district_ids())
    headers = {"Content-Disposition": f"attachment; filename=poll-{poll.id}.csv"}
    return Response(csv_export.csv_text(header, rows), mimetype="text/csv", headers=headers)


@bp.post("/<int:poll_id>/campaign")
@role_required("officer")
def send(poll_id: int):
    poll = _poll(poll_id)
    campaign = polls.send_as_campaign(poll, request.form.getlist("district_ids"), current_user)
    flash(gettext("A draft campaign asks this poll: check its audience and schedule it."), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:poll_id>/attach")
@role_required("officer")
def attach(poll_id: int):
    poll = _poll(poll_id)
    lesson_id = request.form.get("lesson_id", "")
    polls.attach_after_lesson(poll, int(lesson_id) if lesson_id.isdigit() else None)
    said = (
        gettext("Saved: callers are offered the poll after that lesson.")
        if lesson_id
        else gettext("Detached.")
    )
    flash(said, "info")
    return redirect(url_for("polls.show", poll_id=poll.id))
