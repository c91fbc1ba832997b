"""The OpenAPI document is built from the routes: every route is in it, every operation is routed."""

import re

from openapi_spec_validator import validate

DOCUMENTS = {"api.openapi", "api.docs", "api.unknown"}


def served_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every API route the app serves."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in DOCUMENTS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_served_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_the_document_and_the_routes_are_the_same_set(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert documented == served_routes(app)
    assert len(documented) >= 20


def test_every_operation_documents_its_errors_and_path_parameters(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert {"400", "401", "403", "404", "429"} <= set(op["responses"]), (method, path)
            named = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert named == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_the_docs_page_lists_every_operation_without_logging_in(client):
    spec = client.get("/api/v1/openapi.json").json
    html = client.get("/api/v1/docs").get_data(as_text=True)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert f'id="{op["operationId"]}"' in html
            assert f"{method.upper()} {path}" in html
    assert "cdn" not in html.lower()


def test_an_unexpected_failure_answers_in_the_api_error_shape(app, api, make_token, monkeypatch):
    from api import places

    def broken(_district):
        raise RuntimeError("boom")

    monkeypatch.setattr(places, "district_json", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    secret = make_token()
    response = api("GET", "/districts", secret)
    assert response.status_code == 500
    assert response.json["error"]["code"] == "server_error" and "boom" not in response.get_data(as_text=True)
