"""Every route, walked: CSRF or a Twilio signature on every POST, login on every staff page,
and each role kept to the pages its role allows. New routes are covered automatically."""

import pytest
from werkzeug.routing import Rule

from core.auth import csrf
from core.models import StaffUser

PUBLIC_GETS = {"auth.login", "health.healthz", "health.readyz", "static", "verify.certificate"}
PUBLIC_GETS |= {"api.openapi", "api.docs"}  # the API's document and its docs page
PUBLIC_GETS |= {"monitoring.metrics"}  # Prometheus scrapes it with METRICS_TOKEN, not a staff login
API_UNKNOWN = "api.unknown"  # any other path under /api/v1: a JSON 404 (or 405) for everyone
ROLES = (StaffUser.ADMIN, StaffUser.CURATOR, StaffUser.OFFICER)


def placeholder_values(rule: Rule) -> dict:
    """Arguments for a rule: 1 for numbers, 'x' for text, the first word for a fixed choice."""
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if type(converter).__name__ in ("IntegerConverter", "NumberConverter") else "x"
    return values


def url_for_rule(rule: Rule, **values) -> str:
    """A concrete URL for a rule: placeholder arguments unless given."""
    return rule.build({**placeholder_values(rule), **values}, append_unknown=False)[1]


def routes(app, method: str) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, url_for_rule(rule))
        for rule in app.url_map.iter_rules()
        if method in rule.methods and not rule.endpoint.endswith("static")
    )


def is_webhook(app, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def is_token_api(app, endpoint: str) -> bool:
    """An API route: authenticated by its token (no session, so no CSRF)."""
    return getattr(app.view_functions[endpoint], "token_required", False)


def test_every_post_needs_a_csrf_token_or_a_twilio_signature(app, client, login):
    login("admin")
    problems = []
    for endpoint, url in routes(app, "POST"):
        status = client.post(url, data={"x": "1"}).status_code
        expected = 403 if is_webhook(app, endpoint) else 400
        if endpoint.startswith("sandbox."):
            expected = 404  # the Twilio sandbox exists only in development without credentials
        if is_token_api(app, endpoint):
            expected = 401  # a staff session is not an API token
        if endpoint == API_UNKNOWN:
            expected = 404
        if status != expected:
            problems.append(f"{endpoint} {url}: {status}, expected {expected}")
    assert problems == []


def test_anonymous_visitors_reach_no_staff_page(app, client):
    problems = []
    for endpoint, url in routes(app, "GET"):
        if endpoint in PUBLIC_GETS or is_webhook(app, endpoint) or endpoint.startswith("sandbox."):
            continue
        status = client.get(url).status_code
        if status not in (302, 401, 403, 404, 405):
            problems.append(f"{endpoint} {url}: {status}")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_its_pages(app, client, login, role):
    login(role)
    problems = []
    for endpoint, url in routes(app, "GET"):
        allowed = getattr(app.view_functions[endpoint], "allowed_roles", None)
        if allowed is None:
            continue
        status = client.get(url).status_code
        if role not in allowed and status != 403:
            problems.append(f"{role} got {status} from {endpoint} {url}")
        if role in allowed and status in (403, 500):
            problems.append(f"{role} refused ({status}) by its own page {endpoint} {url}")
    assert problems == []


def test_staff_pages_declare_their_roles(app):
    """A GET page open to any logged-in user must be deliberate; list them here."""
    open_to_all_staff = {"home"}
    undeclared = [
        endpoint
        for endpoint, _ in routes(app, "GET")
        if endpoint not in PUBLIC_GETS | open_to_all_staff
        and not is_webhook(app, endpoint)
        and not is_token_api(app, endpoint)
        and not hasattr(app.view_functions[endpoint], "allowed_roles")
        and not endpoint.startswith(("media", "audio.media", "sandbox.", API_UNKNOWN))
    ]
    assert undeclared == []
