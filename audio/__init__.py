"""Recordings, lessons and prompt audio: rows and bytes, their jobs, the store and signed audio URLs."""


def init_app(app) -> None:
    """Register the lesson library pages, the seed step, periodic jobs and the audio worker's queue."""
    from audio import jobs, services, views
    from core import queue

    app.register_blueprint(views.bp)
    queue.add_periodic(app, jobs.PERIODIC)
    app.extensions["chaupal.seeders"].append(services.seed)
