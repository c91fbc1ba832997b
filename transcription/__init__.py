"""Vosk transcription and tagging, the curators' review queue, the help desk and recognition."""

from pathlib import Path

from core import i18n


def init_app(app) -> None:
    """Register the curator pages, analytics tables, the worker's preload and the ready-recording hook."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of transcription's pages
    from core import queue
    from transcription import (
        analytics,
        audit_sentences,
        jobs,
        keywords,
        labels,
        speech_models,
        transcribing,
        views,
    )

    app.register_blueprint(views.bp)
    labels.init_app(app)
    app.jinja_env.globals["audit_sentence"] = audit_sentences.audit_sentence
    analytics.register_metrics()
    queue.add_periodic(app, jobs.PERIODIC)
    queue.add_preload(app, "transcription", jobs.preload)
    app.extensions["chaupal.seeders"].append(keywords.seed)
    app.extensions["chaupal.speech_models"] = speech_models.speech_models_report
    # audio cannot import transcription: it calls these when a recording becomes ready.
    app.extensions["audio.recording_ready"].append(transcribing.queue_transcription)
