"""Courses, keypad quizzes, spaced re-asks, certificates and unlearning."""


def init_app(app) -> None:
    """Register the learning pages."""
    from learning import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.verify_bp)
