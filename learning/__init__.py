"""Courses, keypad quizzes, spaced re-asks, certificates and unlearning."""


def init_app(app) -> None:
    """Register the learning pages and the periodic planning of course and refresher calls."""
    from core import queue
    from learning import jobs, views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.verify_bp)
    queue.add_periodic(app, jobs.PERIODIC)
