"""Every request the telephone network makes to us, and the admins' prompt list."""

import functools
import logging

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError

from core.auth import role_required
from core.twilio import webhook
from core.words import language_name
from ivr import (
    call_records,
    consent_takes,
    courses,
    flow,
    languages,
    prompt_editing,
    review,
    twiml,
)
from ivr import prompts as prompt_texts

log = logging.getLogger(__name__)
bp = Blueprint("ivr", __name__, url_prefix="/ivr", template_folder="templates")


def _twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")


def call_webhook(view):
    """A signed Twilio webhook about a call: 403 unless signed, then 400 (not 500) without a CallSid."""

    @functools.wraps(view)
    def with_call(*args, **kwargs):
        if not request.form.get("CallSid"):
            abort(400)
        return view(*args, **kwargs)

    return webhook(with_call)


@bp.post("/voice")
@call_webhook
def voice():
    return _twiml(flow.incoming(request.form))


@bp.post("/step/<name>")
@call_webhook
def step(name: str):
    return _twiml(flow.show_step(name, request.form, request.args))


@bp.post("/key/<name>")
@call_webhook
def key(name: str):
    return _twiml(flow.press_key(name, request.form, request.args))


@bp.post("/status")
@call_webhook
def status():
    call = call_records.apply_status(request.form)
    courses.call_back_if_dropped(call)
    return _twiml(twiml.empty())


@bp.post("/recording-status")
@call_webhook
def recording_status():
    consent_id = request.args.get("consent", "")
    if consent_id.isdigit() and request.form.get("RecordingSid"):
        consent_takes.recording_status(int(consent_id), request.form)
    return _twiml(twiml.empty())


@bp.post("/fallback")
@webhook
def fallback():
    # Static: Twilio calls this when our other answers fail, perhaps because the database is down.
    return Response(twiml.FALLBACK_XML, mimetype="text/xml")


@bp.errorhandler(SQLAlchemyError)
@bp.errorhandler(500)
def degrade_politely(error):
    # The caller hears an apology, never Twilio's "application error"; the cause goes to the log.
    log.error("call step failed, caller heard the fallback: %s", error)
    return Response(twiml.FALLBACK_XML, mimetype="text/xml")


@bp.app_template_filter()
def placeholders_marked(words: str) -> Markup:
    """Prompt words with each {placeholder} marked as code: the line fills it in, it is not a word."""
    return Markup(
        prompt_texts.PLACEHOLDER.sub(lambda found: f'<code lang="en">{found[0]}</code>', str(escape(words)))
    )


@bp.route("/prompts/<prompt_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_prompt(prompt_id: str):
    if prompt_id not in prompt_texts.PROMPTS:
        abort(404)
    if request.method == "GET":
        return _prompt_page(prompt_id, typed={}, refusals={})
    # Only the languages the form showed: a language it did not show keeps its words.
    typed = {
        lang.code: request.form[lang.code] for lang in languages.all_languages() if lang.code in request.form
    }
    refusals = prompt_editing.refusals(prompt_id, typed)
    if refusals:  # nothing is saved: the admin gets back what they typed, each reason by its box
        return _prompt_page(prompt_id, typed, refusals), 400
    for code, words in typed.items():
        outcome = prompt_editing.save_prompt_words(prompt_id, code, words, current_user.id)
        flash(f"{language_name(code)}: {outcome}", "info")
    return redirect(url_for("ivr.edit_prompt", prompt_id=prompt_id))


def _prompt_page(prompt_id: str, typed: dict[str, str], refusals: dict[str, str]) -> str:
    row = next(r for r in prompt_editing.prompt_table() if r["prompt"].id == prompt_id)
    return render_template(
        "ivr/prompt_edit.html",
        row=row,
        languages=languages.all_languages(),
        typed=typed,
        refusals=refusals,
        max_length=prompt_texts.MAX_LENGTH,
    )


@bp.route("/languages", methods=["GET", "POST"])
@role_required("admin")
def language_list():
    """Languages of the line: add one (switched off), see what it still lacks, switch it on or off."""
    if request.method == "GET":
        return _languages_page(form={})
    form = request.form
    try:
        added = languages.add_language(
            form.get("code", ""),
            form.get("name", ""),
            form.get("native_name", ""),
            form.get("digit", ""),
            form.get("say_language", ""),
            form.get("voice", ""),
        )
    except languages.LanguageError as error:
        flash(str(error), "error")
        return _languages_page(form), 400  # refilled: nothing typed is lost
    flash(
        gettext(
            "%(language)s added, switched off until every prompt has words or audio in it.",
            language=added.name,
        ),
        "info",
    )
    return redirect(url_for("ivr.language_list"))


def _languages_page(form) -> str:
    found = [
        (language, len(languages.missing_prompts(language.code))) for language in languages.all_languages()
    ]
    return render_template("ivr/languages.html", languages=found, form=form)


@bp.get("/languages/<code>")
@role_required("admin")
def language_missing(code: str):
    """The prompts a language still lacks, each linked to its page."""
    language = next((lang for lang in languages.all_languages() if lang.code == code), None)
    if language is None:
        abort(404)
    return render_template("ivr/language.html", language=language, missing=languages.missing_prompts(code))


@bp.post("/languages/<code>/active")
@role_required("admin")
def language_switch(code: str):
    try:
        changed = languages.switch(code, request.form.get("active") == "1")
        name = language_name(changed.code)
        if changed.active:
            flash(gettext("%(language)s is offered to callers.", language=name), "info")
        else:
            flash(gettext("%(language)s is switched off.", language=name), "info")
    except languages.LanguageError as error:
        flash(str(error), "error")
    return redirect(url_for("ivr.language_list"))


@bp.get("/prompts/sentences")
@role_required("admin", "curator")
def sentences():
    """Every sentence the line can say in one language, list items and outbound calls included."""
    languages = call_records.active_languages()
    code = request.args.get("language") or (languages[0].code if languages else "")
    language = next((lang for lang in languages if lang.code == code), None)
    if language is None:
        abort(404)
    found = review.sentences(code)
    return render_template("ivr/sentences.html", sentences=found, language=language, languages=languages)


@bp.get("/prompts")
@role_required("admin")
def prompts():
    upload = url_for("audio.prompts") if "audio.prompts" in current_app.view_functions else None
    return render_template(
        "ivr/prompts.html",
        rows=prompt_editing.prompt_table(),
        languages=call_records.active_languages(),
        upload=upload,
    )
