"""Curator pages: the review queue, the review page with its decisions, the help desk, audit and time-to-share."""

import io
from datetime import timedelta

from flask import Blueprint, abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from audio import playback
from audio.models import Recording
from core import metrics, params
from core.auth import role_required
from core.db import db
from core.models import Contact, StaffUser, Topic
from core.params import whole_number
from transcription import (
    approve_form,
    decisions,
    helpdesk,
    page_params,
    recognition,
    review_queue,
    share_times,
    topic_tags,
    transcribing,
    transcript_search,
)
from transcription.models import Question, Review, Transcript

bp = Blueprint(
    "transcription",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/review",
)


@bp.route("/")
@role_required("curator")
def queue():
    """The review queue, most urgent first, or search results when a query is given."""
    query = request.args.get("q", "").strip()
    filters = page_params.queue_filters(request.args)
    pages = page_params.queue_pages(1 if query else review_queue.queue_size(filters))
    if query:
        transcripts = transcript_search.search(query, limit=page_params.PAGE_SIZE)
    else:
        offset = (pages["page"] - 1) * page_params.PAGE_SIZE
        transcripts = review_queue.review_queue(**vars(filters), limit=page_params.PAGE_SIZE, offset=offset)
    items = [(t, topic_tags.tags_for(t.recording_id)) for t in transcripts]
    return render_template(
        "transcription/queue.html",
        items=items,
        pages=pages,
        page_args={key: value for key, value in request.args.items() if key != "page"},
        kept_args={key: value for key, value in request.args.items() if key not in ("page", "status")},
        query=query,
        filters=filters,
        args=request.args,
        counts=review_queue.status_counts(filters),
        statuses=Review.STATUSES,
        kinds=(Recording.QUESTION, Recording.STORY, Recording.REPLY, Recording.ANSWER),
        flags=page_params.FLAGS,
        roles=Contact.ROLES,
        choices=page_params.filter_choices(),
    )


@bp.route("/<int:recording_id>")
@role_required("curator")
def review(recording_id: int):
    """Listen, read along, correct, tag and decide."""
    recording = db.get_or_404(Recording, recording_id)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=recording.id))
    review = decisions.review_for(recording.id)
    tags = topic_tags.tags_for(recording.id)
    return render_template(
        "transcription/review.html",
        form=approve_form.approve_form(recording, review, tags),
        recording=recording,
        transcript=transcript,
        words=transcribing.word_timings(transcript) if transcript else [],
        peaks=transcribing.waveform(recording) if recording.playback_key else [],
        review=review,
        tags=tags,
        context=decisions.caller_context(recording),
        show_phone=current_user.role == StaffUser.ADMIN,
        recognition_on=recognition.wants_recognition(recording.contact_id) if recording.contact_id else None,
        question=db.session.scalar(select(Question).filter_by(recording_id=recording.id)),
        share_hours=share_times.share_time_hours(review),
        history=share_times.audit_log(50, "reviews", review.id),
        topics=page_params.active_topics(),
        Review=Review,
        Recording=Recording,
    )


def _decision(action, recording_id: int, *args, done: str):
    """Run a curator action; refusals and conflicts become a message on the review page."""
    try:
        action(recording_id, *args)
    except (decisions.ReviewError, helpdesk.HelpDeskError, LookupError) as error:
        flash(str(error), "error")
    else:
        flash(done, "info")
    return redirect(url_for("transcription.review", recording_id=recording_id))


def _version() -> int | None:
    return whole_number(request.form.get("version"))


@bp.post("/<int:recording_id>/transcript")
@role_required("curator")
def edit_transcript(recording_id: int):
    text = request.form.get("text", "")
    return _decision(
        decisions.save_transcript_text, recording_id, _version(), current_user, text, done=gettext("Saved.")
    )


@bp.post("/<int:recording_id>/notes")
@role_required("curator")
def notes(recording_id: int):
    notes = request.form.get("notes", "")
    return _decision(decisions.save_notes, recording_id, current_user, notes, done=gettext("Notes saved."))


# review.js sends tag changes with this header and swaps the returned topics section into the page,
# so the title, notes and trim typed elsewhere on it are not reloaded away.
PART_HEADER = "X-Chaupal-Part"


@bp.post("/<int:recording_id>/tags")
@role_required("curator")
def tags(recording_id: int):
    recording = db.get_or_404(Recording, recording_id)
    action, topic_id = request.form.get("action", ""), whole_number(request.form.get("topic_id"))
    if (
        action not in ("accept", "reject", "add")
        or topic_id is None
        or db.session.get(Topic, topic_id) is None
    ):
        flash(gettext("Choose a topic and whether to accept, reject or add it."), "error")
        response = redirect(url_for("transcription.review", recording_id=recording_id))
    else:
        response = _decision(
            decisions.audited_tag_change,
            recording_id,
            topic_id,
            action,
            current_user,
            done=gettext("Tags saved."),
        )
    return _tags_part(recording) if request.headers.get(PART_HEADER) == "tags" else response


def _tags_part(recording: Recording):
    """The review page's topics section alone, with the messages the change left."""
    html = render_template(
        "transcription/_tags.html",
        recording=recording,
        tags=topic_tags.tags_for(recording.id),
        topics=page_params.active_topics(),
        messages=get_flashed_messages(with_categories=True),
    )
    return html, 200, {PART_HEADER: "tags", "Cache-Control": "no-store"}


@bp.post("/<int:recording_id>/approve")
@role_required("curator")
def approve(recording_id: int):
    form = request.form
    try:
        cuts = {
            "start_ms": params.milliseconds(form.get("start")),
            "end_ms": params.milliseconds(form.get("end")),
            "remove": params.time_spans(form.get("remove")),
        }
    except ValueError:
        flash(gettext("Times are seconds, like 12.5; removed spans look like 12.5-14, 30-31."), "error")
        return redirect(url_for("transcription.review", recording_id=recording_id))
    topic_ids = [int(t) for t in form.getlist("topic_ids") if t.isdigit()]
    return _decision(
        decisions.approve_story,
        recording_id,
        _version(),
        current_user,
        form.get("title", ""),
        topic_ids,
        cuts,
        form.get("name_spoken") == "1",
        done=gettext("Published: callers hear it now under peer stories (main menu, 2)."),
    )


@bp.post("/<int:recording_id>/approve-reply")
@role_required("curator")
def approve_reply(recording_id: int):
    return _decision(
        decisions.approve_reply,
        recording_id,
        _version(),
        current_user,
        done=gettext("Published: callers hear it after its story, and its teller is told."),
    )


@bp.post("/<int:recording_id>/reject")
@role_required("curator")
def reject(recording_id: int):
    reason = request.form.get("reason", "")
    return _decision(
        decisions.reject, recording_id, _version(), current_user, reason, done=gettext("Rejected.")
    )


@bp.post("/<int:recording_id>/question")
@role_required("curator")
def question(recording_id: int):
    topic_id = whole_number(request.form.get("topic_id"))
    return _decision(
        decisions.mark_question,
        recording_id,
        _version(),
        current_user,
        topic_id,
        done=gettext("Sent to the help desk: the experts of its topic see it in their queue."),
    )


@bp.post("/<int:recording_id>/trainers")
@role_required("curator")
def trainers(recording_id: int):
    return _decision(
        decisions.keep_for_trainers,
        recording_id,
        _version(),
        current_user,
        done=gettext("Kept for trainers only."),
    )


@bp.post("/contacts/<int:contact_id>/recognition")
@role_required("curator")
def recognition_preference(contact_id: int):
    db.get_or_404(Contact, contact_id)
    wanted = request.form.get("recognition") == "on"
    recognition.set_preference(contact_id, wanted, current_user)
    flash(
        gettext("Thank-you messages are on.")
        if wanted
        else gettext("Thank-you messages are off for this contributor."),
        "info",
    )
    back = whole_number(request.form.get("recording_id"))
    return redirect(
        url_for("transcription.review", recording_id=back) if back else url_for("transcription.queue")
    )


@bp.route("/audit")
@role_required("admin")
def audit():
    entries = share_times.audit_log(limit=300, object_type=request.args.get("type") or None)
    return render_template("transcription/audit.html", entries=entries)


@bp.route("/time-to-share")
@role_required("curator")
def time_to_share():
    """Hours to share for the period the analytics pages show (the last 28 days unless ?start=&end= say)."""
    filters = metrics.parse_filters(request.args, current_user.district_ids(), page_params.local_zone())
    rows = share_times.time_to_share(filters)
    period = (filters.since, filters.until - timedelta(seconds=1))  # the first and last day, both included
    return render_template("transcription/time_to_share.html", rows=rows, period=period)


@bp.route("/analytics")
@role_required("curator")
def learning():
    filters = metrics.parse_filters(request.args, current_user.district_ids(), page_params.local_zone())
    return metrics.render_page("transcription/learning.html", metrics.LEARNING, filters)


@bp.route("/analytics/<slug>.csv")
@role_required("curator")
def learning_csv(slug: str):
    filters = metrics.parse_filters(request.args, current_user.district_ids(), page_params.local_zone())
    return metrics.csv_download(metrics.table(metrics.LEARNING, slug, filters), filters)


@bp.route("/helpdesk/", endpoint="helpdesk")
@page_params.expert_required
def helpdesk_queue():
    everyone = request.args.get("all") == "1"
    status = request.args.get("status") or None
    return render_template(
        "transcription/helpdesk.html",
        questions=helpdesk.questions(current_user, everyone=everyone, status=status),
        my_topics=helpdesk.expert_topic_ids(current_user),
        topics=page_params.active_topics(),
        everyone=everyone,
        status=status,
        Question=Question,
    )


@bp.post("/helpdesk/topics")
@page_params.expert_required
def expert_topics():
    helpdesk.set_expert_topics(
        current_user, [int(t) for t in request.form.getlist("topic_ids") if t.isdigit()]
    )
    flash(gettext("Your help-desk topics are saved."), "info")
    return redirect(url_for("transcription.helpdesk"))


@bp.route("/helpdesk/<int:question_id>")
@page_params.expert_required
def helpdesk_question(question_id: int):
    question = db.get_or_404(Question, question_id)
    transcript = db.session.scalar(select(Transcript).filter_by(recording_id=question.recording_id))
    return render_template(
        "transcription/question.html", question=question, transcript=transcript, Question=Question
    )


@bp.post("/helpdesk/<int:question_id>/answer")
@page_params.expert_required
def answer(question_id: int):
    upload = request.files.get("audio")
    stream, name = (upload.stream, upload.filename) if upload else (io.BytesIO(), "")
    return _helpdesk_action(
        helpdesk.save_answer,
        question_id,
        stream,
        name,
        current_user,
        done=gettext("Answer saved. We are calling the asker back to play it, and sending an SMS."),
    )


@bp.post("/helpdesk/<int:question_id>/call-again")
@page_params.expert_required
def call_again(question_id: int):
    return _helpdesk_action(
        helpdesk.call_again, question_id, current_user, done=gettext("Calling the asker again.")
    )


@bp.post("/helpdesk/<int:question_id>/publish")
@page_params.expert_required
def publish_answer(question_id: int):
    title = request.form.get("title", "")
    return _helpdesk_action(
        helpdesk.publish_with_answer,
        question_id,
        title,
        current_user,
        done=gettext("Published: the question and its answer are now a peer story."),
    )


def _helpdesk_action(action, question_id: int, *args, done: str):
    try:
        action(question_id, *args)
    except helpdesk.HelpDeskError as error:
        flash(str(error), "error")
    else:
        flash(done, "info")
    return redirect(url_for("transcription.helpdesk_question", question_id=question_id))


@bp.route("/helpdesk/<int:question_id>/audio/<which>")
@page_params.expert_required
def helpdesk_audio(question_id: int, which: str):
    """The question or the answer, for experts who are not curators (curators also use audio.staff_file)."""
    from audio.views import send_media

    question = db.get_or_404(Question, question_id)
    key = {"question": question.recording.playback_key, "answer": question.answer_key}.get(which)
    if not key or not playback.staff_may_hear(key):
        abort(404)
    return send_media(key, "private, max-age=300")
