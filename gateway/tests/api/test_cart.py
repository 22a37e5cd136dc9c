"""The cart routes relay the cart service's priced cart; the edge checks a PUT's body and
passes the bearer token on, and asks the catalog nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def stocked(shop) -> None:
    shop.add_product("p-b", "SKU-B", 250)
    shop.add_product("p-a", "SKU-A", 1000)
    shop.add_product("p-c", "SKU-C", 99)


async def test_the_cart_is_the_cart_services_priced_answer_as_it_came(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-b": 3, "p-a": 1}

    response = await client.get("/api/cart", headers=auth())

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "items": [
            {"product_id": "p-a", "sku": "SKU-A", "name": "Name of SKU-A",
             "unit_price_cents": 1000, "quantity": 1, "line_total_cents": 1000},
            {"product_id": "p-b", "sku": "SKU-B", "name": "Name of SKU-B",
             "unit_price_cents": 250, "quantity": 3, "line_total_cents": 750},
        ],
        "item_count": 4,
        "total_cents": 1750,
    }
    assert shop.calls_to("catalog") == []  # the cart service prices its own answer


async def test_only_the_bearer_token_travels_to_the_cart_service(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    headers = {**auth(), "Idempotency-Key": "k-1", "Cookie": "a=b", "X-Internal-Token": "x"}

    await client.get("/api/cart?page=2", headers=headers)

    [sent] = shop.calls_to("cart")
    assert sent.url.raw_path == b"/api/cart"
    assert sent.headers["authorization"] == headers["Authorization"]
    for name in ("idempotency-key", "cookie", "x-internal-token"):
        assert name not in sent.headers


async def test_put_sets_the_quantity_and_answers_the_whole_cart(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-c": 1}

    response = await client.put("/api/cart/items/p-a", json={"quantity": 4}, headers=auth())

    assert response.status_code == 200
    assert [(i["sku"], i["quantity"]) for i in response.json()["items"]] == [
        ("SKU-A", 4), ("SKU-C", 1)]
    assert shop.carts["user-1"] == {"p-c": 1, "p-a": 4}
    [sent] = shop.calls_to("cart")
    assert json.loads(sent.content) == {"quantity": 4}
    assert shop.calls_to("catalog") == []


async def test_the_product_id_goes_on_as_one_path_segment(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    await client.delete("/api/cart/items/a%3Fb c%23", headers=auth())

    [sent] = shop.calls_to("cart")
    assert sent.url.raw_path == b"/api/cart/items/a%3Fb%20c%23"


async def test_put_of_an_unknown_product_relays_the_cart_services_404(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    response = await client.put("/api/cart/items/nope", json={"quantity": 1}, headers=auth())

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert shop.carts["user-1"] == {}
    assert shop.calls_to("catalog") == []  # the cart service asked; the edge did not


@pytest.mark.parametrize("body", [{"quantity": "5"}, {"quantity": 1.0}, {"quantity": True},
                                  {"quantity": 0}, {"quantity": 100}, {},
                                  {"quantity": 1, "note": "x"}])
async def test_put_validates_the_quantity_strictly_before_calling_anyone(
        client: httpx.AsyncClient, shop, stocked: None, body: dict[str, object],
        auth: Callable[..., dict[str, str]]) -> None:
    response = await client.put("/api/cart/items/p-a", json=body, headers=auth())

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in ("quantity", "note")
    assert [name for name, _ in shop.calls if name != "jwks"] == []


async def test_put_with_a_body_that_is_not_a_json_object_is_400(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    response = await client.put("/api/cart/items/p-a", content=b"[1]", headers=auth())

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed"


async def test_removing_a_line_answers_the_cart_even_when_it_was_not_there(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-a": 1, "p-b": 2}

    first = await client.delete("/api/cart/items/p-a", headers=auth())
    again = await client.delete("/api/cart/items/p-a", headers=auth())

    assert first.status_code == again.status_code == 200
    assert [i["product_id"] for i in again.json()["items"]] == ["p-b"]


async def test_clearing_the_cart_is_204_with_no_body(client: httpx.AsyncClient, shop,
                                                     stocked: None,
                                                     auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-a": 1}

    response = await client.delete("/api/cart", headers=auth())

    assert response.status_code == 204 and response.content == b""
    assert shop.carts["user-1"] == {}


async def test_each_user_sees_only_their_own_cart(client: httpx.AsyncClient, shop,
                                                  stocked: None,
                                                  auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-2"] = {"p-a": 9}

    body = (await client.get("/api/cart", headers=auth(sub="user-1"))).json()

    assert body["items"] == []


async def test_the_cart_services_own_503_is_relayed_and_keeps_its_breaker_closed(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    """The cart answers 503 when its catalog cannot price the cart: that is the cart
    service up, so the edge relays it and goes on calling it (clearing needs no prices)."""
    problem = {"type": "/problems/unavailable", "title": "Unavailable", "status": 503,
               "detail": "The catalog service is unavailable."}
    served = shop._cart
    shop._cart = lambda request: (served(request) if request.method == "DELETE" else  # type: ignore
                                  httpx.Response(503, json=problem, headers={
                                      "content-type": "application/problem+json",
                                      "retry-after": "1"}))

    for _ in range(8):  # more than the breaker's failures
        response = await client.get("/api/cart", headers=auth())
        assert response.status_code == 503
        assert response.json() == problem
    assert len(shop.calls_to("cart")) == 8  # relayed once each, never retried
    assert (await client.delete("/api/cart", headers=auth())).status_code == 204
