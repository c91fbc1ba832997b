"""SMS and voice broadcasts: audience, schedule, dispatch, delivery status, officer pages and reach."""

from pathlib import Path

from core import i18n


def init_app(app) -> None:
    """Register the officer pages, the reach table, engagement sources and the send worker's preload."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of campaigns's pages
    from campaigns import analytics, audience, campaign_reports, campaign_words, jobs, poll_views, views
    from core import monitoring, queue

    app.register_blueprint(views.bp)
    campaign_words.init_app(app)
    app.register_blueprint(poll_views.bp)
    analytics.register_metrics()
    audience.register_own_sources()
    queue.add_preload(app, "campaigns", jobs.preload)
    queue.add_periodic(app, jobs.PERIODIC)
    sends = ("chaupal_campaign_sends", "Campaign sends in each channel and state", ("channel", "state"))
    monitoring.add_gauge(app, monitoring.Gauge(*sends, campaign_reports.sends_per_status))
