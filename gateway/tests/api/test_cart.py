"""The cart view is composed from the cart service's lines and the catalog's prices."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def stocked(shop) -> None:
    shop.add_product("p-b", "SKU-B", 250)
    shop.add_product("p-a", "SKU-A", 1000)
    shop.add_product("p-c", "SKU-C", 99)


async def test_the_cart_view_prices_lines_sorts_them_by_sku_and_adds_them_up(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-b": 3, "p-a": 1}

    response = await client.get("/api/cart", headers=auth())

    assert response.status_code == 200
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


async def test_a_product_deleted_since_is_left_out(client: httpx.AsyncClient, shop,
                                                   stocked: None,
                                                   auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-a": 2, "p-gone": 5}

    body = (await client.get("/api/cart", headers=auth())).json()

    assert [item["product_id"] for item in body["items"]] == ["p-a"]
    assert body["item_count"] == 2 and body["total_cents"] == 2000


async def test_an_empty_cart_needs_no_catalog_lookup(client: httpx.AsyncClient, shop,
                                                     auth: Callable[..., dict[str, str]]) -> None:
    body = (await client.get("/api/cart", headers=auth())).json()

    assert body == {"items": [], "item_count": 0, "total_cents": 0}
    assert shop.calls_to("catalog") == []


async def test_put_sets_the_quantity_and_answers_the_whole_cart(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-c": 1}

    response = await client.put("/api/cart/items/p-a", json={"quantity": 4}, headers=auth())

    assert response.status_code == 200
    assert [(i["sku"], i["quantity"]) for i in response.json()["items"]] == [
        ("SKU-A", 4), ("SKU-C", 1)]
    assert shop.carts["user-1"] == {"p-c": 1, "p-a": 4}


async def test_put_of_an_unknown_product_is_404_and_leaves_the_cart_alone(
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


async def test_a_catalog_that_breaks_its_internal_api_is_a_logged_500_not_a_wrong_cart(
        client: httpx.AsyncClient, shop, stocked: None,
        auth: Callable[..., dict[str, str]]) -> None:
    shop.carts["user-1"] = {"p-a": 1}
    shop.products.clear()
    shop._catalog = lambda request: httpx.Response(401, json={"status": 401})  # type: ignore

    response = await client.get("/api/cart", headers=auth())

    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal"
    assert response.headers["x-request-id"] in response.json()["detail"]
