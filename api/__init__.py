"""The REST API under /api/v1 and outgoing webhooks: Chaupal as a part of a programme's systems."""

from pathlib import Path

from api import admin_views, events, views
from core import i18n
from core.auth import csrf
from core.config import ConfigError


def init_app(app) -> None:
    """Register the API (token-authenticated, so no CSRF), its documents and the admin pages."""
    i18n.add_catalogue(app, Path(__file__).parent)  # the Hindi words of api's pages
    limit = str(app.config["API_RATE_LIMIT_PER_MINUTE"]).strip()  # default in core.config SETTINGS
    if not limit.isdigit() or int(limit) < 1:
        raise ConfigError(f"API_RATE_LIMIT_PER_MINUTE: '{limit}' is not a whole number of requests above 0")
    app.config["API_RATE_LIMIT_PER_MINUTE"] = int(limit)
    api_bp = views.build_blueprint()
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_views.bp)
    events.listen()
