# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
from __future__ import annotations

from flask.testing import FlaskClient

from shop.config import Settings

OPENAPI_YAML = """
openapi: 3.1.0
info: {title: shopstack, version: 1.0.0}
paths:
  /api/products:
    get: {summary: List products}
"""


def test_every_response_names_the_monolith_and_carries_a_request_id(client: FlaskClient) -> None:
    sane = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert (sane.headers["X-Request-ID"], sane.headers["X-Served-By"]) == ("abc-123", "monolith")
    insane = client.get("/healthz", headers={"X-Request-ID": "bad id!"})
    assert insane.headers["X-Request-ID"] not in ("", "bad id!")


def test_liveness_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok",
                                          "checks": {"database": "ok", "schema": "ok"}}


def test_metrics_count_requests_by_route_template(client: FlaskClient) -> None:
    client.get("/api/products/some-id")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'route="/api/products/<product_id>"' in text
    assert "http_request_duration_seconds_bucket" in text


def test_unknown_routes_and_methods_are_problems(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert (missing.status_code, missing.content_type, missing.json["type"]) == (
        404, "application/problem+json", "/problems/not-found")
    wrong = client.delete("/api/categories")
    assert (wrong.status_code, wrong.json["type"]) == (405, "/problems/method-not-allowed")


def test_openapi_is_503_until_the_document_exists_then_served(
        client: FlaskClient, settings: Settings) -> None:
    missing = client.get("/openapi.json")
    assert (missing.status_code, missing.json["type"]) == (503, "/problems/unavailable")
    assert missing.headers["Retry-After"]
    settings.openapi_file.write_text(OPENAPI_YAML)
    served = client.get("/openapi.json")
    assert served.status_code == 200
    assert served.json["info"]["title"] == "shopstack"


def test_the_docs_page_lists_the_paths_and_links_the_document(
        client: FlaskClient, settings: Settings) -> None:
    settings.openapi_file.write_text(OPENAPI_YAML)
    page = client.get("/docs")
    assert page.content_type.startswith("text/html")
    text = page.get_data(as_text=True)
    assert "/api/products" in text and 'href="/openapi.json"' in text
