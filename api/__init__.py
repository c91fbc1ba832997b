"""The REST API under /api/v1 and outgoing webhooks: Chaupal as a part of a programme's systems."""

import os

from api import admin_views, events, views
from core.auth import csrf


def init_app(app) -> None:
    """Register the API (token-authenticated, so no CSRF), its documents and the admin pages."""
    app.config.setdefault(
        "API_RATE_LIMIT_PER_MINUTE", int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "120"))
    )
    api_bp = views.build_blueprint()
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_views.bp)
    events.listen()
