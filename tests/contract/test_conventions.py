"""What every response shares: request ids, X-Served-By, problem+json, health and documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import yaml

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"


def test_a_sane_request_id_is_echoed(api: httpx.Client) -> None:
    response = api.get("/api/categories", headers={"X-Request-ID": "contract.Test_id-42"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "contract.Test_id-42"


def test_a_request_id_of_128_characters_is_still_sane(api: httpx.Client) -> None:
    offered = "a" * 128

    response = api.get("/healthz", headers={"X-Request-ID": offered})

    assert response.headers["X-Request-ID"] == offered


def test_an_insane_request_id_is_replaced_by_a_fresh_one(api: httpx.Client) -> None:
    for offered in ("has spaces in it", "a" * 129, "semi;colon", "ünïcode"):
        response = api.get("/api/categories", headers=[(b"X-Request-ID", offered.encode())])

        assert response.headers["X-Request-ID"] != offered
        assert SANE_REQUEST_ID.fullmatch(response.headers["X-Request-ID"])


def test_a_request_without_an_id_gets_a_fresh_one_each_time(api: httpx.Client) -> None:
    first = api.get("/api/categories").headers["X-Request-ID"]
    second = api.get("/api/categories").headers["X-Request-ID"]

    assert SANE_REQUEST_ID.fullmatch(first) and SANE_REQUEST_ID.fullmatch(second)
    assert first != second


def test_errors_carry_the_request_id_too(api: httpx.Client, expect_problem: Any) -> None:
    response = api.get("/api/no-such-route", headers={"X-Request-ID": "err-trace-1"})

    expect_problem(response, 404, "not-found")
    assert response.headers["X-Request-ID"] == "err-trace-1"


def test_every_response_names_who_served_it(api: httpx.Client, shop: Any,
                                            customer: Any) -> None:
    expected = "gateway" if shop.gateway else "monolith"
    responses = [
        api.get("/healthz"),
        api.get("/api/products"),
        api.get("/api/cart", headers=customer.headers),
        api.get("/api/cart"),
        api.get("/api/nowhere"),
        api.post("/api/auth/login", content=b"{"),
    ]

    assert [r.headers.get("X-Served-By") for r in responses] == [expected] * len(responses)


def test_an_unknown_route_is_a_not_found_problem(api: httpx.Client, expect_problem: Any) -> None:
    for path in ("/api/nowhere", "/api/products/1/reviews", "/nowhere"):
        expect_problem(api.get(path), 404, "not-found")


def test_a_wrong_method_on_a_known_route_is_a_method_not_allowed_problem(
    api: httpx.Client, admin: Any, expect_problem: Any
) -> None:
    expect_problem(api.put("/api/products", json={}, headers=admin.headers), 405,
                   "method-not-allowed")
    expect_problem(api.delete("/api/categories", headers=admin.headers), 405,
                   "method-not-allowed")
    expect_problem(api.get("/api/auth/login"), 405, "method-not-allowed")


def test_a_body_that_is_not_json_is_malformed(api: httpx.Client, expect_problem: Any) -> None:
    for raw in (b"not json", b'{"email": ', b""):
        response = api.post("/api/auth/register", content=raw,
                            headers={"Content-Type": "application/json"})

        expect_problem(response, 400, "malformed")


def test_json_that_is_not_an_object_is_malformed(api: httpx.Client, expect_problem: Any) -> None:
    for raw in (b'["a", "b"]', b'"text"', b"42", b"null"):
        expect_problem(api.post("/api/auth/register", content=raw), 400, "malformed")


def test_the_content_type_header_is_not_consulted_for_a_json_body(
    api: httpx.Client, random_email: Any
) -> None:
    body = f'{{"email": "{random_email()}", "password": "long-enough", "name": "Plain"}}'

    response = api.post("/api/auth/register", content=body,
                        headers={"Content-Type": "text/plain"})

    assert response.status_code == 201, response.text


def test_liveness_answers_ok(api: httpx.Client) -> None:
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


def test_readiness_lists_every_check_as_ok(api: httpx.Client) -> None:
    response = api.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] and set(body["checks"].values()) == {"ok"}


def test_metrics_are_prometheus_text_with_request_counts(api: httpx.Client) -> None:
    api.get("/api/categories")

    response = api.get("/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "http_requests_total" in response.text
    assert "http_request_duration_seconds_bucket" in response.text


def test_the_public_keys_are_published_as_a_jwks(api: httpx.Client) -> None:
    response = api.get("/.well-known/jwks.json")

    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and all(key["kid"] and key["alg"] in ("EdDSA", "RS256") for key in keys)
    assert all("d" not in key for key in keys)  # never the private part


def test_the_openapi_document_served_is_the_contract_file(api: httpx.Client) -> None:
    response = api.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == yaml.safe_load(CONTRACT_FILE.read_text())
