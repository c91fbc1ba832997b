"""Officer pages: create, preview, schedule, test-send and watch campaigns; the learning analytics dashboard."""

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from sqlalchemy import select

from audio import playback
from audio.models import Lesson
from campaigns import (
    audience,
    broadcast_content,
    campaign_controls,
    campaign_reports,
    campaign_runs,
    campaign_undo,
    campaign_words,
    editing,
    schedule,
    schedule_words,
    sms,
)
from campaigns.models import Campaign
from core import metrics
from core.auth import role_required
from core.db import db
from core.models import Block, Contact, District, GramPanchayat, Language, Topic
from core.params import iso_date

bp = Blueprint(
    "campaigns", __name__, url_prefix="/campaigns", template_folder="templates", static_folder="static"
)


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not editing.may_see(current_user, campaign):
        abort(403)
    return campaign


def _form_data() -> dict:
    form = request.form
    return {
        **form.to_dict(),
        "district_ids": form.getlist("district_ids"),
        "sms_templates": {code[4:]: text for code, text in form.items() if code.startswith("sms_")},
        "audience": {
            # the chosen districts are the campaign's scope, not a second filter
            **{key: form.getlist(key) for key in audience.LIST_FIELDS if key != "district_ids"},
            "not_called_days": form.get("not_called_days"),
            "not_finished_lesson_id": form.get("not_finished_lesson_id"),
            "use_list": form.get("use_list"),
        },
    }


def _choices() -> dict:
    allowed = current_user.district_ids()
    districts = select(District).order_by(District.name)
    if allowed is not None:
        districts = districts.where(District.id.in_(allowed or {-1}))
    districts = list(db.session.scalars(districts))
    district_ids = [d.id for d in districts]
    blocks = select(Block).where(Block.district_id.in_(district_ids)).order_by(Block.name)
    blocks = list(db.session.scalars(blocks))
    panchayats = select(GramPanchayat).where(GramPanchayat.block_id.in_([b.id for b in blocks]))
    return {
        "districts": districts,
        "states": sorted({d.state for d in districts}, key=lambda s: s.name),
        "blocks": blocks,
        "panchayats": list(db.session.scalars(panchayats.order_by(GramPanchayat.name))),
        "languages": _languages(),
        "topics": list(db.session.scalars(select(Topic).where(Topic.active).order_by(Topic.position))),
        "roles": Contact.ROLES,
        "lessons": _playable_lessons(),
        "placeholders": sms.PLACEHOLDERS,
    }


def _playable_lessons() -> list[tuple[Lesson, str]]:
    seen = {}
    for language in db.session.scalars(select(Language.code).where(Language.active)):
        for kind in (Lesson.LESSON, Lesson.STORY):
            for lesson, track in playback.published_lessons(language, kind=kind):
                seen.setdefault(lesson.id, (lesson, track.title))
    return list(seen.values())


@bp.get("/")
@role_required("officer")
def index():
    campaigns = editing.visible_campaigns(current_user)
    return render_template(
        "campaigns/index.html",
        campaigns=campaigns,
        progress=campaign_reports.progress,
        when_it_sends=schedule_words.when_it_sends,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("officer")
def new():
    return _edit(None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required("officer")
def edit(campaign_id: int):
    return _edit(_campaign(campaign_id))


def _edit(campaign: Campaign | None):
    if request.method == "POST":
        try:
            campaign = editing.save_campaign(campaign, _form_data(), current_user)
        except editing.CampaignError as error:
            db.session.rollback()
            flash(str(error), "error")
            page = render_template("campaigns/form.html", campaign=campaign, form=request.form, **_choices())
            return page, 400
        flash(gettext("Campaign saved."), "info")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/form.html", campaign=campaign, form=None, **_choices())


@bp.get("/<int:campaign_id>")
@role_required("officer")
def show(campaign_id: int):
    campaign = _campaign(campaign_id)
    previews = {code: campaign_reports.sms_preview(text) for code, text in campaign.templates.items()}
    audio_urls = {code: broadcast_content.content_urls(campaign, code) for code in _language_codes()}
    count = audience.count(campaign.filters, audience.campaign_scope(campaign), campaign.id)
    for run in campaign.runs:
        if run.status == run.RUNNING:
            campaign_runs.ensure_ticking(run.id)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        previews=previews,
        audio_urls=audio_urls,
        count=count,
        progress=campaign_reports.progress(campaign),
        currency=campaign_reports.currency_symbol(),
        when_it_sends=schedule_words.when_it_sends(campaign),
        undo=campaign_undo.pending(campaign),
    )


def _languages() -> list[Language]:
    return list(db.session.scalars(select(Language).where(Language.active).order_by(Language.menu_digit)))


def _language_codes() -> list[str]:
    return [language.code for language in _languages()]


@bp.post("/<int:campaign_id>/schedule")
@role_required("officer")
def schedule_send(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        at = _local_datetime(request.form.get("at"))
        campaign_runs.schedule_campaign(campaign, request.form.get("when", ""), at)
    except editing.CampaignError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(gettext("Campaign scheduled."), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _local_datetime(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=schedule.zone()) if value else None
    except ValueError:
        return None


@bp.post("/<int:campaign_id>/<any(pause, resume, cancel):action>")
@role_required("officer")
def control(campaign_id: int, action: str):
    campaign = _campaign(campaign_id)
    before, next_run_at = campaign.status, campaign.next_run_at
    undoable = action == "pause" or (action == "cancel" and campaign_undo.undoable_cancel(campaign))
    getattr(campaign_controls, action)(campaign)
    if undoable and campaign.status != before:
        campaign_undo.offer(campaign, action, before, next_run_at)
        flash(str(_CONTROL_SAID[action]), "info")
    else:
        flash(gettext("Campaign %(status)s.", status=campaign_words.status_name(campaign.status)), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


_CONTROL_SAID = {
    "pause": lazy_gettext("Campaign paused. Press Undo within two minutes to carry on as before."),
    "cancel": lazy_gettext(
        "Campaign cancelled. Nothing had been sent: press Undo within two minutes to restore it."
    ),
}


@bp.post("/<int:campaign_id>/undo")
@role_required("officer")
def undo(campaign_id: int):
    campaign = _campaign(campaign_id)
    if campaign_undo.undo(campaign, request.form.get("token", "")):
        flash(
            gettext(
                "Undone: the campaign is %(status)s again.",
                status=campaign_words.status_name(campaign.status),
            ),
            "info",
        )
    else:
        flash(gettext("This can no longer be undone."), "error")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/test")
@role_required("officer")
def test_send(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        campaign_controls.test_send(campaign, current_user)
    except editing.CampaignError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(gettext("Test on its way to your phone."), "info")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/list")
@role_required("officer")
def upload_list(campaign_id: int):
    campaign = _campaign(campaign_id)
    upload = request.files.get("numbers")
    if upload is None or not upload.filename:
        flash(gettext("Choose a CSV file with one phone number per line."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(gettext("The file cannot be read as text; save it as CSV (UTF-8) and try again."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    report = audience.import_list(campaign, text)
    db.session.commit()
    for number, line in enumerate(report.lines()[:50]):
        flash(line, "info" if number == 0 else "error")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.get("/<int:campaign_id>/progress.json")
@role_required("officer")
def progress(campaign_id: int):
    campaign = _campaign(campaign_id)
    return jsonify(status=campaign.status, **_schedule_state(campaign), **campaign_reports.progress(campaign))


@bp.get("/schedules.json")
@role_required("officer")
def schedules():
    """Each visible campaign's status and schedule sentence, for the list's refresh."""
    return jsonify({str(c.id): _schedule_state(c) for c in editing.visible_campaigns(current_user)})


def _schedule_state(campaign: Campaign) -> dict:
    return {
        "status_name": campaign_words.status_name(campaign.status),
        "when": schedule_words.when_it_sends(campaign),
    }


@bp.get("/<int:campaign_id>/export.csv")
@role_required("officer")
def export(campaign_id: int):
    campaign = _campaign(campaign_id)
    headers = {"Content-Disposition": f"attachment; filename=campaign-{campaign.id}.csv"}
    return Response(campaign_reports.export_csv(campaign), mimetype="text/csv", headers=headers)


@bp.post("/audience-count")
@role_required("officer")
def audience_count():
    filters = audience.clean_filters(_form_data()["audience"])
    filters.pop("use_list", None)  # a list belongs to a saved campaign; counted on its page
    wanted = {int(d) for d in request.form.getlist("district_ids") if d.isdigit()}
    allowed = current_user.district_ids()
    scope = (wanted & allowed or allowed) if allowed is not None else (wanted or None)
    return jsonify(audience.count(filters, scope))


@bp.post("/sms-preview")
@role_required("officer")
def sms_preview():
    preview = campaign_reports.sms_preview(request.form.get("text", ""))
    return jsonify({**preview, "said": campaign_reports.preview_words(preview)})


def _analytics_filters(args=None) -> metrics.Filters:
    return metrics.parse_filters(args or request.args, current_user.district_ids(), schedule.zone())


@bp.get("/analytics")
@role_required("officer", "curator")
def analytics():
    return metrics.render_page("campaigns/analytics.html", metrics.DASHBOARD, _analytics_filters())


@bp.get("/analytics/<slug>.csv")
@role_required("officer", "curator")
def analytics_csv(slug: str):
    filters = _analytics_filters()
    return metrics.csv_download(metrics.table(metrics.DASHBOARD, slug, filters), filters)


@bp.get("/analytics/digest")
@role_required("officer", "curator")
def analytics_digest():
    today = datetime.now(schedule.zone()).date()
    end = iso_date(request.args.get("end")) or today - timedelta(days=1)
    args = {**request.args.to_dict(), "start": (end - timedelta(days=6)).isoformat(), "end": end.isoformat()}
    filters = _analytics_filters(args)
    return render_template(
        "campaigns/analytics_digest.html",
        tables=metrics.tables(metrics.DASHBOARD, filters),
        filters=filters,
    )
