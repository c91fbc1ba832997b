"""Every request the telephone network makes to us: voice and SMS webhooks, TwiML and the call flow."""

from pathlib import Path

from core import i18n


def init_app(app) -> None:
    """Register the phone line's webhooks and staff pages, its analytics tables and the erasure entry."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of ivr's pages
    from core import queue
    from ivr import (
        answers,
        broadcasts,
        call_figures,
        call_records,
        contact_erasure,
        courses,
        demo_start,
        expert_line,
        jobs,
        meetings,
        peers,
        simulator_views,
        sms,
        views,
    )

    for blueprint in (views.bp, broadcasts.bp, simulator_views.bp, sms.bp, answers.bp):
        app.register_blueprint(blueprint)
    courses.install()  # the learning screens join the call flow
    peers.install()  # listeners talk back: counts, "I tried this"
    expert_line.install()  # experts calling from their account's phone answer questions
    call_figures.register_metrics()
    meetings.register_metrics()
    call_records.register_engagement_sources()
    queue.add_periodic(app, jobs.PERIODIC)
    # core's people pages ask the phone line to erase someone: the phone line reaches every package.
    app.extensions["chaupal.erase_now"] = contact_erasure.erase_now
    app.extensions["chaupal.seeders"].append(demo_start.seed)  # the living demo, after the lessons exist
