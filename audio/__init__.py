"""Recordings, lessons and prompt audio: rows and bytes, their jobs, the store and signed audio URLs."""

from pathlib import Path

from core import i18n


def init_app(app) -> None:
    """Register the lesson library pages, the seed step, periodic jobs and the audio worker's queue."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of audio's pages
    from audio import jobs, lesson_library, recording_pipeline, views
    from core import monitoring, queue

    app.register_blueprint(views.bp)
    queue.add_periodic(app, jobs.PERIODIC)
    app.extensions["chaupal.seeders"].append(lesson_library.seed)
    recordings = (
        "chaupal_recordings",
        "Callers' recordings of each kind in each processing state",
        ("kind", "status"),
    )
    monitoring.add_gauge(app, monitoring.Gauge(*recordings, recording_pipeline.recordings_per_status))
