"""Courses, keypad quizzes, spaced re-asks, certificates and unlearning."""

from pathlib import Path

from core import i18n


def init_app(app) -> None:
    """Register the learning pages and the periodic planning of course and refresher calls."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of learning's pages
    from core import queue
    from learning import jobs, views, words

    app.register_blueprint(views.bp)
    app.register_blueprint(views.verify_bp)
    words.init_app(app)
    queue.add_periodic(app, jobs.PERIODIC)
