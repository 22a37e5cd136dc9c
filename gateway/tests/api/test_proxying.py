"""Requests reach the right service as they were sent; answers come back as they were given."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_a_public_read_is_forwarded_to_the_catalog_with_its_query_string(
        client: httpx.AsyncClient, shop) -> None:
    response = await client.get("/api/products?q=red%20mug&sort=-price&page=2")

    assert response.status_code == 200
    assert response.json()["path"] == "/api/products?q=red%20mug&sort=-price&page=2"
    assert [r.url.host for r in shop.calls_to("catalog")] == ["catalog"]
    assert response.headers["x-served-by"] == "gateway"


async def test_each_prefix_goes_to_its_own_service(client: httpx.AsyncClient, shop,
                                                   auth: Callable[..., dict[str, str]]) -> None:
    await client.post("/api/auth/login", json={"email": "a@b.c", "password": "x"})
    await client.get("/api/categories")
    await client.get("/api/orders", headers=auth())
    await client.get("/.well-known/jwks.json")

    assert [(name, r.url.path) for name, r in shop.calls if name != "jwks"] == [
        ("users", "/api/auth/login"), ("catalog", "/api/categories"),
        ("orders", "/api/orders"), ("users", "/.well-known/jwks.json")]


async def test_method_body_and_the_contract_headers_are_forwarded(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    headers = {**auth(), "Idempotency-Key": "key-1", "Content-Type": "application/json",
               "X-Request-ID": "req-42", "Cookie": "c=1", "X-Custom": "no"}
    response = await client.post("/api/orders", content=b'{"payment": {}}', headers=headers)

    seen = response.json()
    assert response.status_code == 201
    assert seen["method"] == "POST" and seen["body"] == '{"payment": {}}'
    assert seen["headers"]["idempotency-key"] == "key-1"
    assert seen["headers"]["authorization"] == headers["Authorization"]
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-request-id"] == "req-42"
    assert "cookie" not in seen["headers"] and "x-custom" not in seen["headers"]


async def test_only_the_contract_headers_of_the_answer_come_back(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    response = await client.post("/api/orders", json={}, headers=auth())

    assert response.headers["idempotent-replayed"] == "true"
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"] == "application/json"
    for leaked in ("set-cookie", "x-internal-detail", "keep-alive", "proxy-authenticate"):
        assert leaked not in response.headers


async def test_an_id_keeps_its_percent_encoding_on_the_way_through(
        client: httpx.AsyncClient, shop) -> None:
    await client.get("/api/products/a%20b%3F")

    assert shop.calls_to("catalog")[0].url.raw_path == b"/api/products/a%20b%3F"


async def test_an_unknown_route_is_a_404_problem_without_calling_anyone(
        client: httpx.AsyncClient, shop) -> None:
    for path in ("/api/nothing", "/internal/products/lookup", "/api/products/"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/not-found"
    assert shop.calls == []


async def test_a_wrong_method_on_a_known_route_is_a_405_problem(
        client: httpx.AsyncClient, shop) -> None:
    response = await client.put("/api/categories", json={})

    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"
    assert shop.calls == []


async def test_the_access_log_names_the_upstream_and_its_latency(
        client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="access"):
        await client.get("/api/products/p1")

    line = next(r for r in caplog.records if r.name == "access")
    assert line.route == "/api/products/{product_id}"
    assert line.upstream == "catalog"
    assert line.upstream_ms >= 0
