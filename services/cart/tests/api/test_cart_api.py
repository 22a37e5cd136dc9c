from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cart.app import create_app
from cart.config import Settings

pytestmark = pytest.mark.anyio


async def test_the_cart_routes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/cart")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_a_user_puts_changes_and_removes_lines(
        client: httpx.AsyncClient, auth: Any, new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    assert (await client.get("/api/cart", headers=headers)).json() == {"items": []}
    await client.put("/api/cart/items/p2", json={"quantity": 1}, headers=headers)
    response = await client.put("/api/cart/items/p1", json={"quantity": 3}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"items": [{"product_id": "p1", "quantity": 3},
                                         {"product_id": "p2", "quantity": 1}]}
    again = await client.put("/api/cart/items/p1", json={"quantity": 5}, headers=headers)
    assert again.json()["items"][0] == {"product_id": "p1", "quantity": 5}
    removed = await client.delete("/api/cart/items/p2", headers=headers)
    assert removed.json() == {"items": [{"product_id": "p1", "quantity": 5}]}
    cleared = await client.delete("/api/cart", headers=headers)
    assert (cleared.status_code, cleared.content) == (204, b"")
    assert (await client.get("/api/cart", headers=headers)).json() == {"items": []}


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
    assert read.json() == {"items": [{"product_id": "p1", "quantity": 2}]}
    assert (await client.delete(f"/internal/carts/{user}", headers=internal)).status_code == 204
    assert (await client.get(f"/internal/carts/{user}", headers=internal)).json() == {"items": []}


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
