from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cart.app import create_app
from cart.config import Settings

pytestmark = pytest.mark.anyio
EMPTY = {"items": [], "item_count": 0, "total_cents": 0}


def line(product_id: str, quantity: int, price_cents: int = 100) -> dict[str, Any]:
    """A line of the priced cart, as the fake catalog prices and names its products."""
    return {"product_id": product_id, "sku": f"SKU-{product_id}", "name": f"Name {product_id}",
            "unit_price_cents": price_cents, "quantity": quantity,
            "line_total_cents": price_cents * quantity}


def cart(*lines: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(lines), "item_count": sum(item["quantity"] for item in lines),
            "total_cents": sum(item["line_total_cents"] for item in lines)}


async def test_the_cart_routes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/cart")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_a_user_puts_changes_and_removes_lines(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    assert (await client.get("/api/cart", headers=headers)).json() == EMPTY
    await client.put("/api/cart/items/p2", json={"quantity": 1}, headers=headers)
    response = await client.put("/api/cart/items/p1", json={"quantity": 3}, headers=headers)
    assert response.status_code == 200
    assert response.json() == cart(line("p1", 3), line("p2", 1))
    again = await client.put("/api/cart/items/p1", json={"quantity": 5}, headers=headers)
    assert again.json()["items"][0] == line("p1", 5)
    removed = await client.delete("/api/cart/items/p2", headers=headers)
    assert removed.json() == cart(line("p1", 5))
    cleared = await client.delete("/api/cart", headers=headers)
    assert (cleared.status_code, cleared.content) == (204, b"")
    assert (await client.get("/api/cart", headers=headers)).json() == EMPTY


@pytest.mark.parametrize("body", [{"quantity": 0}, {"quantity": 100}, {"quantity": "1"}])
async def test_a_quantity_outside_one_to_ninety_nine_is_a_validation_problem(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str],
        body: dict[str, Any]) -> None:
    response = await client.put("/api/cart/items/p1", json=body,
                                headers=auth.customer(new_user_id()))
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["quantity"]


async def test_a_body_that_is_not_json_is_malformed(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str]) -> None:
    response = await client.put("/api/cart/items/p1", content=b"{",
                                headers=auth.customer(new_user_id()))
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed"


async def test_the_orders_service_reads_and_clears_a_users_cart(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str],
        new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await client.put("/api/cart/items/p1", json={"quantity": 2}, headers=auth.customer(user))
    read = await client.get(f"/internal/carts/{user}", headers=internal)
    assert read.json() == cart(line("p1", 2))
    assert (await client.delete(f"/internal/carts/{user}", headers=internal)).status_code == 204
    assert (await client.get(f"/internal/carts/{user}", headers=internal)).json() == EMPTY


async def test_internal_routes_need_the_internal_token(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    for headers in ({}, {"X-Internal-Token": "wrong"}, auth.customer(user),
                    {"X-Internal-Token": "internal-dev-token"}):  # the old shared default
        response = await client.get(f"/internal/carts/{user}", headers=headers)
        assert response.status_code == 401


async def test_health_answers_and_names_redis(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok", "checks": {"redis": "ok"}}
    response = await client.get("/metrics")
    assert response.headers["x-served-by"] == "cart"


async def test_a_cart_without_redis_is_not_ready_and_answers_503(
        settings: Settings, auth: Any, issuer: Any) -> None:
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/11",
                                       "redis_timeout_seconds": 0.2})
    app = create_app(down, verifier=issuer.verifier())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cart.test") as client:
        assert (await client.get("/readyz")).status_code == 503
        response = await client.get("/api/cart", headers=auth.customer("cart-test-x"))
        assert response.status_code == 503
        assert response.json()["type"] == "/problems/unavailable"


async def test_the_orders_service_takes_out_only_what_an_order_bought(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str],
        new_user_id: Callable[[], str]) -> None:
    """Lines bought go down by the bought quantity; what was added since stays."""
    user = new_user_id()
    headers = auth.customer(user)
    for product_id, quantity in {"bought": 2, "more-since": 5, "new-since": 1}.items():
        await client.put(f"/api/cart/items/{product_id}", json={"quantity": quantity},
                         headers=headers)
    response = await client.post(
        f"/internal/carts/{user}/take-out", headers=internal,
        json={"items": [{"product_id": "bought", "quantity": 2},
                        {"product_id": "more-since", "quantity": 3},
                        {"product_id": "gone-since", "quantity": 1}]})
    assert response.status_code == 200, response.text
    assert response.json() == cart(line("more-since", 2), line("new-since", 1))
    assert (await client.get("/api/cart", headers=headers)).json() == response.json()


@pytest.mark.parametrize("body", [
    {},
    {"items": []},
    {"items": [{"product_id": "p1", "quantity": 0}]},
    {"items": [{"product_id": "p1", "quantity": 100}]},
    {"items": [{"product_id": "p1", "quantity": "1"}]},
    {"items": [{"product_id": "", "quantity": 1}]},
    {"items": [{"product_id": "p" * 129, "quantity": 1}]},
    {"items": [{"product_id": "p\u0000", "quantity": 1}]},
    {"items": [{"product_id": "p1", "quantity": 1, "price_cents": 5}]},
    {"items": [{"product_id": "p1", "quantity": 1}, {"product_id": "p1", "quantity": 1}]},
    {"items": [{"product_id": f"p{i}", "quantity": 1} for i in range(101)]},
], ids=["no-items", "empty", "zero", "hundred", "string-quantity", "empty-id", "long-id",
        "nul-id", "extra-field", "twice", "too-many"])
async def test_a_take_out_the_cart_could_not_hold_is_refused_and_changes_nothing(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str],
        new_user_id: Callable[[], str], body: dict[str, Any]) -> None:
    user = new_user_id()
    await client.put("/api/cart/items/p1", json={"quantity": 2}, headers=auth.customer(user))
    response = await client.post(f"/internal/carts/{user}/take-out", headers=internal, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    read = await client.get(f"/internal/carts/{user}", headers=internal)
    assert read.json() == cart(line("p1", 2))


async def test_a_take_out_needs_the_internal_token(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    body = {"items": [{"product_id": "p1", "quantity": 1}]}
    for headers in ({}, {"X-Internal-Token": "wrong"}, auth.customer(user)):
        response = await client.post(f"/internal/carts/{user}/take-out", headers=headers,
                                     json=body)
        assert response.status_code == 401


async def test_an_unknown_product_is_404_and_changes_nothing(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str], catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    """As strict as the public route, for any caller that reaches the cart service."""
    user = new_user_id()
    headers = auth.customer(user)
    await client.put("/api/cart/items/p1", json={"quantity": 2}, headers=headers)
    catalog.lookups.clear()
    response = await client.put("/api/cart/items/unknown-1", json={"quantity": 1},
                                headers=headers)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/not-found"
    assert catalog.lookups == [["p1", "unknown-1"]]  # one lookup, and no write after it
    read = await client.get(f"/internal/carts/{user}", headers=internal)
    assert read.json() == cart(line("p1", 2))


async def test_each_cart_answer_costs_one_catalog_lookup(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str], catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    """A write prices the cart with the lookup that checked its product: one call, not
    a check and then a pricing."""
    user = new_user_id()
    headers = auth.customer(user)
    await client.put("/api/cart/items/p1", json={"quantity": 1}, headers=headers)
    assert catalog.lookups == [["p1"]]
    catalog.lookups.clear()
    answers = [
        await client.put("/api/cart/items/p2", json={"quantity": 2}, headers=headers),
        await client.get("/api/cart", headers=headers),
        await client.delete("/api/cart/items/p1", headers=headers),
        await client.get(f"/internal/carts/{user}", headers=internal),
        await client.post(f"/internal/carts/{user}/take-out", headers=internal,
                          json={"items": [{"product_id": "p2", "quantity": 1}]}),
    ]
    assert [answer.status_code for answer in answers] == [200] * 5
    assert catalog.lookups == [["p1", "p2"], ["p1", "p2"], ["p2"], ["p2"], ["p2"]]


async def test_an_empty_cart_asks_the_catalog_nothing(
        client: httpx.AsyncClient, auth: Any, catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    assert (await client.get("/api/cart", headers=headers)).json() == EMPTY
    assert (await client.delete("/api/cart/items/p1", headers=headers)).json() == EMPTY
    assert catalog.lookups == []


async def test_the_cart_is_priced_at_todays_prices_sorted_by_sku_without_deleted_products(
        client: httpx.AsyncClient, auth: Any, catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    for product_id, quantity in {"b": 2, "a": 1, "gone": 3}.items():
        await client.put(f"/api/cart/items/{product_id}", json={"quantity": quantity},
                         headers=headers)
    catalog.prices.update({"a": 250, "b": 1000})
    catalog.deleted.add("gone")
    response = await client.get("/api/cart", headers=headers)
    assert response.json() == {
        "items": [line("a", 1, 250), line("b", 2, 1000)], "item_count": 3,
        "total_cents": 2250}


async def test_a_catalog_that_cannot_answer_is_503_and_changes_nothing(
        client: httpx.AsyncClient, auth: Any, internal: dict[str, str], catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    headers = auth.customer(user)
    for product_id in ("p1", "p3"):
        await client.put(f"/api/cart/items/{product_id}", json={"quantity": 1},
                         headers=headers)
    catalog.down = True
    for method, path, body in (("PUT", "/api/cart/items/p2", {"quantity": 1}),
                               ("DELETE", "/api/cart/items/p1", None),
                               ("GET", "/api/cart", None)):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 503, (method, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "/problems/unavailable"
    catalog.down = False
    assert (await client.get(f"/internal/carts/{user}", headers=internal)).json() == cart(
        line("p1", 1), line("p3", 1))


async def test_a_catalog_that_breaks_its_internal_api_is_503_not_a_wrong_cart(
        client: httpx.AsyncClient, auth: Any, catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    await client.put("/api/cart/items/p1", json={"quantity": 1}, headers=headers)
    catalog.status = 401
    response = await client.get("/api/cart", headers=headers)
    assert response.status_code == 503, response.text
    assert response.json()["type"] == "/problems/unavailable"


@pytest.mark.parametrize("product_id", ["unknown-%00", "%F0%9F%98%80", "x" * 128,
                                        "%ED%A0%80", "'%22%7B%7D%5B"])
async def test_no_product_id_a_client_sends_trips_the_breaker_to_the_catalog(
        client: httpx.AsyncClient, auth: Any, catalog: Any, app: Any,
        new_user_id: Callable[[], str], product_id: str) -> None:
    """Whatever id a client puts or removes, the catalog is asked as usual (an unknown
    id is a 404) and the cart keeps answering: no client can open the catalog's breaker."""
    headers = auth.customer(new_user_id())
    for _ in range(8):  # more than the breaker's failures
        put = await client.put(f"/api/cart/items/{product_id}", json={"quantity": 1},
                               headers=headers)
        assert put.status_code in (200, 404, 422), put.text
        removed = await client.delete(f"/api/cart/items/{product_id}", headers=headers)
        assert removed.status_code == 200, removed.text
    assert app.state.deps.catalog.http.breaker.state == "closed"
    assert (await client.put("/api/cart/items/p1", json={"quantity": 1},
                             headers=headers)).status_code == 200
