"""A service that is down or slow costs a 503 for the routes that need it, and only those."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

pytestmark = pytest.mark.anyio


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_a_down_catalog_is_a_503_while_orders_keep_working(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    shop.down.add("catalog")

    _unavailable(await client.get("/api/products"))
    assert (await client.get("/api/orders", headers=auth())).status_code == 200
    assert (await client.post("/api/auth/login", json={})).status_code == 200


async def test_a_down_catalog_leaves_the_cart_routes_to_the_cart_service(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    """The cart service prices the cart itself (its own 503 when its catalog is down)."""
    shop.add_product("p-a", "SKU-A", 100)
    shop.carts["user-1"] = {"p-a": 1}
    shop.down.add("catalog")

    assert (await client.get("/api/cart", headers=auth())).json()["total_cents"] == 100
    assert (await client.delete("/api/cart", headers=auth())).status_code == 204
    assert shop.calls_to("catalog") == []


@pytest.mark.parametrize("settings_overrides", [{"upstream_timeout_seconds": 0.3}])
async def test_a_slow_service_is_a_503_within_the_upstream_timeout(
        client: httpx.AsyncClient, shop) -> None:
    shop.slow["catalog"] = 5.0

    started = time.perf_counter()
    response = await client.get("/api/products/p1")

    _unavailable(response)
    assert time.perf_counter() - started < 0.6


@pytest.mark.parametrize("settings_overrides", [{"upstream_timeout_seconds": 0.3,
                                                 "checkout_timeout_seconds": 2.0}])
async def test_a_checkout_or_a_cancel_may_take_longer_than_a_read_before_the_edge_gives_up(
        client: httpx.AsyncClient, shop, auth) -> None:
    shop.slow["orders"] = 0.6

    assert (await client.post("/api/orders", json={}, headers=auth())).status_code == 201
    assert (await client.post("/api/orders/o-1/cancel", headers=auth())).status_code == 201
    _unavailable(await client.get("/api/orders", headers=auth()))


BREAKER = {"upstream_retries": 0, "breaker_failures": 3, "breaker_reset_seconds": 0.3}
# A read that passes the edge's caches (no listing parameter), so every one reaches the catalog.
UNCACHED = "/api/categories?uncached=1"


@pytest.mark.parametrize("settings_overrides", [BREAKER])
async def test_the_breaker_opens_answers_fast_then_half_opens_to_probe(
        client: httpx.AsyncClient, shop, settings_overrides: dict[str, Any]) -> None:
    shop.down.add("catalog")
    for _ in range(3):
        _unavailable(await client.get(UNCACHED))
    calls_when_opened = len(shop.calls_to("catalog"))

    started = time.perf_counter()
    _unavailable(await client.get(UNCACHED))
    assert time.perf_counter() - started < 0.05
    assert len(shop.calls_to("catalog")) == calls_when_opened

    shop.down.clear()
    await anyio.sleep(0.35)
    assert (await client.get(UNCACHED)).status_code == 200
    assert (await client.get(UNCACHED)).status_code == 200
    assert len(shop.calls_to("catalog")) == calls_when_opened + 2


@pytest.mark.parametrize("settings_overrides", [{"upstream_retries": 2}])
async def test_an_idempotent_read_is_retried_but_a_checkout_is_not(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    shop.down.add("orders")

    _unavailable(await client.get("/api/orders", headers=auth()))
    assert len(shop.calls_to("orders")) == 3
    _unavailable(await client.post("/api/orders", json={}, headers=auth()))
    assert len(shop.calls_to("orders")) == 4


async def test_ready_while_redis_answers_even_with_a_service_down(
        client: httpx.AsyncClient, shop) -> None:
    shop.down.add("cart")

    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": "ok"}


@pytest.mark.parametrize("settings_overrides", [{"redis_url": "redis://127.0.0.1:1/0"}])
async def test_not_ready_without_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


async def test_liveness_needs_nothing_but_the_process(client: httpx.AsyncClient, shop) -> None:
    shop.down.update({"users", "catalog", "cart", "orders"})

    assert (await client.get("/healthz")).json() == {"status": "ok"}

