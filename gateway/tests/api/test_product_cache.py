"""Product reads are cached at the edge and dropped on every change: the writes the
gateway proxies (before their answer) and the catalog's events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from gateway.catalog_cache import ENTRY_PREFIX
from redis import Redis

from chassis import streams

pytestmark = pytest.mark.anyio


@pytest.fixture
def product(shop) -> str:
    product_id = f"p-{uuid.uuid4().hex}"
    shop.add_product(product_id, "SKU-X", 500)
    original = shop._catalog

    def catalog(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == f"/api/products/{product_id}" and request.method == "PATCH":
            shop.products[product_id].update(json.loads(request.content))
            return httpx.Response(200, json=shop.products[product_id])
        return original(request)

    shop._catalog = catalog
    return product_id


def _reads(shop, product_id: str) -> int:
    return sum(1 for r in shop.calls_to("catalog")
               if r.method == "GET" and r.url.path == f"/api/products/{product_id}")


async def test_a_second_read_is_answered_by_the_cache(client: httpx.AsyncClient, shop,
                                                      product: str) -> None:
    first = await client.get(f"/api/products/{product}")
    second = await client.get(f"/api/products/{product}")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() == shop.products[product]
    assert second.headers["content-type"] == "application/json"
    assert _reads(shop, product) == 1


async def test_an_unknown_product_is_not_cached(client: httpx.AsyncClient, shop) -> None:
    for _ in range(2):
        assert (await client.get("/api/products/nope-cache")).status_code == 404
    assert _reads(shop, "nope-cache") == 2


async def test_an_admins_change_is_read_back_at_once(
        client: httpx.AsyncClient, shop, product: str,
        auth: Callable[..., dict[str, str]]) -> None:
    await client.get(f"/api/products/{product}")

    patched = await client.patch(f"/api/products/{product}", json={"price_cents": 700},
                                 headers=auth(role="admin"))
    after = await client.get(f"/api/products/{product}")

    assert patched.status_code == 200
    assert after.json()["price_cents"] == 700
    assert _reads(shop, product) == 2


async def test_a_checkout_drops_the_products_of_its_lines_before_answering(
        client: httpx.AsyncClient, shop, product: str, redis_db: Redis,
        auth: Callable[..., dict[str, str]]) -> None:
    await client.get(f"/api/products/{product}")
    assert redis_db.exists(ENTRY_PREFIX + product)

    def orders(request: httpx.Request) -> httpx.Response:
        shop.products[product]["stock"] -= 2
        return httpx.Response(201, json={"id": "o-1", "items": [
            {"product_id": product, "quantity": 2}]})

    shop._orders = orders
    answer = await client.post("/api/orders", json={}, headers=auth())

    assert answer.status_code == 201
    assert not redis_db.exists(ENTRY_PREFIX + product)
    assert (await client.get(f"/api/products/{product}")).json()["stock"] == 3


async def test_a_catalog_event_drops_the_product(client: httpx.AsyncClient, shop,
                                                 product: str, redis_db: Redis) -> None:
    await client.get(f"/api/products/{product}")
    shop.products[product]["stock"] = 1

    event: dict[str, Any] = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "type": "stock.changed",
        "source": "/catalog", "subject": product, "data": {"id": product, "stock": 1}}
    streams.publish(redis_db, event, stream=streams.CATALOG_STREAM, owner_stream=None)

    for _ in range(100):
        if not redis_db.exists(ENTRY_PREFIX + product):
            break
        await asyncio.sleep(0.02)
    assert (await client.get(f"/api/products/{product}")).json()["stock"] == 1


@pytest.fixture
def listed(shop, product: str) -> str:
    """The catalog's listing and categories for the fake shop: every product on one page."""
    original = shop._catalog

    def catalog(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/products" and request.method == "GET":
            items = sorted(shop.products.values(), key=lambda p: p["sku"])
            return httpx.Response(200, json={"items": items, "total": len(items)})
        if request.url.path == "/api/categories":
            return httpx.Response(200, json={"items": [
                {"name": "All", "product_count": len(shop.products)}]})
        return original(request)

    shop._catalog = catalog
    return product


def _listings(shop, path: str = "/api/products") -> int:
    return sum(1 for r in shop.calls_to("catalog") if r.method == "GET" and r.url.path == path)


def _stock_in(listing: httpx.Response, product_id: str) -> int:
    return next(p["stock"] for p in listing.json()["items"] if p["id"] == product_id)


async def test_a_second_listing_and_categories_read_are_answered_by_the_cache(
        client: httpx.AsyncClient, shop, listed: str) -> None:
    for path in ("/api/products?page=1", "/api/categories"):
        first, second = await client.get(path), await client.get(path)
        assert first.status_code == second.status_code == 200
        assert second.json() == first.json()
        assert second.headers["content-type"] == "application/json"
    assert _listings(shop) == 1
    assert _listings(shop, "/api/categories") == 1
    await client.get("/api/products?page=1&uncached=1")  # not a listing parameter: passes
    assert _listings(shop) == 2


async def test_a_checkout_stales_the_listings_that_show_its_products(
        client: httpx.AsyncClient, shop, listed: str,
        auth: Callable[..., dict[str, str]]) -> None:
    assert _stock_in(await client.get("/api/products"), listed) == 5

    def orders(request: httpx.Request) -> httpx.Response:
        shop.products[listed]["stock"] -= 2
        return httpx.Response(201, json={"id": "o-1", "items": [
            {"product_id": listed, "quantity": 2}]})

    shop._orders = orders
    assert (await client.post("/api/orders", json={}, headers=auth())).status_code == 201

    assert _stock_in(await client.get("/api/products"), listed) == 3
    assert _listings(shop) == 2


async def test_an_admins_new_product_is_listed_at_once(
        client: httpx.AsyncClient, shop, listed: str,
        auth: Callable[..., dict[str, str]]) -> None:
    await client.get("/api/categories")
    original = shop._catalog

    def catalog(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/products" and request.method == "POST":
            shop.add_product("p-new", "SKU-NEW", 900)
            return httpx.Response(201, json=shop.products["p-new"])
        return original(request)

    shop._catalog = catalog
    created = await client.post("/api/products", json={}, headers=auth(role="admin"))

    assert created.status_code == 201
    counted = (await client.get("/api/categories")).json()["items"][0]["product_count"]
    assert counted == len(shop.products)


async def test_a_product_changed_event_stales_every_listing(
        client: httpx.AsyncClient, shop, listed: str, redis_db: Redis) -> None:
    await client.get("/api/products")
    shop.add_product("p-elsewhere", "SKU-ELSEWHERE", 100)  # created past the edge

    event: dict[str, Any] = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "type": "product.changed",
        "source": "/catalog", "subject": "p-elsewhere", "data": {"id": "p-elsewhere"}}
    streams.publish(redis_db, event, stream=streams.CATALOG_STREAM, owner_stream=None)

    for _ in range(100):
        if len((await client.get("/api/products")).json()["items"]) == len(shop.products):
            break
        await asyncio.sleep(0.02)
    assert len((await client.get("/api/products")).json()["items"]) == len(shop.products)
