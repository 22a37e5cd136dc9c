from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from catalog.domain import Product

pytestmark = pytest.mark.anyio
ProductFactory = Callable[..., Product]


async def test_internal_routes_need_the_internal_token(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"X-Internal-Token": "wrong"},
                    {"X-Internal-Token": "internal-dev-token"}):  # the old shared default
        response = await client.get("/internal/reservations/order-1", headers=headers)
        assert response.status_code == 401
        assert response.json()["type"] == "/problems/unauthorized"
        lookup = await client.post("/internal/products/lookup", json={"ids": []},
                                   headers=headers)
        assert lookup.status_code == 401


async def test_the_cart_may_look_products_up_but_not_touch_stock(
        client: httpx.AsyncClient, from_cart: dict[str, str],
        create_product: ProductFactory) -> None:
    product = create_product(stock=5)
    lookup = await client.post("/internal/products/lookup", headers=from_cart,
                               json={"ids": [product.id]})
    assert [item["id"] for item in lookup.json()["items"]] == [product.id]
    body = {"lines": [{"product_id": product.id, "quantity": 2}]}
    for method, path in (("PUT", "/internal/reservations/order-g"),
                         ("POST", "/internal/reservations/order-g/release"),
                         ("POST", "/internal/reservations/order-g/commit"),
                         ("GET", "/internal/reservations/order-g")):
        response = await client.request(method, path, headers=from_cart,
                                        json=body if method == "PUT" else None)
        assert response.status_code == 401, path
    assert (await client.get(f"/api/products/{product.id}")).json()["stock"] == 5


async def test_a_lookup_returns_the_products_that_exist(
        client: httpx.AsyncClient, from_cart: dict[str, str],
        create_product: ProductFactory) -> None:
    product = create_product()
    response = await client.post("/internal/products/lookup", headers=from_cart,
                                 json={"ids": ["bogus", product.id]})
    assert [item["id"] for item in response.json()["items"]] == [product.id]


async def test_orders_no_longer_looks_products_up(
        client: httpx.AsyncClient, internal: dict[str, str]) -> None:
    """Orders takes the cart's priced lines; the lookup is the cart's alone."""
    response = await client.post("/internal/products/lookup", headers=internal,
                                 json={"ids": []})
    assert response.status_code == 401


async def test_a_reservation_is_taken_committed_and_read_back(
        client: httpx.AsyncClient, internal: dict[str, str],
        create_product: ProductFactory) -> None:
    product = create_product(stock=5, price_cents=700, name="Mug")
    body = {"lines": [{"product_id": product.id, "quantity": 2}]}
    reserved = await client.put("/internal/reservations/order-1", json=body, headers=internal)
    expected_lines = [{"product_id": product.id, "sku": product.sku, "name": "Mug",
                       "unit_price_cents": 700, "quantity": 2}]
    assert reserved.status_code == 200
    assert reserved.json() == {"order_id": "order-1", "status": "reserved",
                               "lines": expected_lines}
    repeat = await client.put("/internal/reservations/order-1", json=body, headers=internal)
    assert repeat.json() == reserved.json()
    committed = await client.post("/internal/reservations/order-1/commit", headers=internal)
    assert committed.json() == {"order_id": "order-1", "status": "committed"}
    read = await client.get("/internal/reservations/order-1", headers=internal)
    assert read.json() == {"order_id": "order-1", "status": "committed", "lines": expected_lines}
    stock = (await client.get(f"/api/products/{product.id}")).json()["stock"]
    assert stock == 3


async def test_a_short_reservation_is_out_of_stock_with_every_short_line(
        client: httpx.AsyncClient, internal: dict[str, str],
        create_product: ProductFactory) -> None:
    product = create_product(stock=1)
    body = {"lines": [{"product_id": product.id, "quantity": 2},
                      {"product_id": "gone", "quantity": 1}]}
    response = await client.put("/internal/reservations/order-1", json=body, headers=internal)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/out-of-stock"
    assert response.json()["items"] == [
        {"product_id": product.id, "requested": 2, "available": 1},
        {"product_id": "gone", "requested": 1, "available": 0}]


async def test_a_release_of_an_unknown_order_refuses_a_late_reserve(
        client: httpx.AsyncClient, internal: dict[str, str],
        create_product: ProductFactory) -> None:
    released = await client.post("/internal/reservations/order-7/release", headers=internal)
    assert released.json() == {"order_id": "order-7", "status": "released"}
    body = {"lines": [{"product_id": create_product().id, "quantity": 1}]}
    late = await client.put("/internal/reservations/order-7", json=body, headers=internal)
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/conflict"


async def test_an_unknown_reservation_is_not_found(
        client: httpx.AsyncClient, internal: dict[str, str]) -> None:
    assert (await client.get("/internal/reservations/x", headers=internal)).status_code == 404
    commit = await client.post("/internal/reservations/x/commit", headers=internal)
    assert commit.status_code == 404


async def test_a_reservation_without_lines_is_invalid(
        client: httpx.AsyncClient, internal: dict[str, str]) -> None:
    response = await client.put("/internal/reservations/order-1", json={"lines": []},
                                headers=internal)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines"
