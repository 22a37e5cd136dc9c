"""The cart's copies of catalog products against a real broker (a private
``redis-server``) holding the catalog's products version, the catalog faked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from cart.app import create_app
from cart.config import Settings
from chassis.product_version import PRODUCTS_VERSION_KEY, new_version
from redis import Redis as SyncRedis

pytestmark = pytest.mark.anyio


@pytest.fixture
async def copying_client(settings: Settings, broker_url: str, issuer: Any,
                         catalog: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The cart with its copies on, its products version read from ``broker_url``."""
    app = create_app(settings.model_copy(update={"events_redis_url": broker_url}),
                     verifier=issuer.verifier(),
                     catalog_transport=httpx.MockTransport(catalog.handle))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cart.test") as client:
        yield client


def replace_version(broker_url: str) -> None:
    """What the catalog does before it answers a change of a product."""
    with SyncRedis.from_url(broker_url) as broker:
        broker.set(PRODUCTS_VERSION_KEY, new_version())


async def test_products_seen_since_the_last_change_are_not_asked_for_again(
        copying_client: httpx.AsyncClient, auth: Any, catalog: Any,
        new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    await copying_client.put("/api/cart/items/p1", json={"quantity": 1}, headers=headers)
    await copying_client.put("/api/cart/items/p2", json={"quantity": 2}, headers=headers)
    for _ in range(3):
        answer = await copying_client.get("/api/cart", headers=headers)
        assert answer.json()["total_cents"] == 300
    assert catalog.lookups == [["p1"], ["p2"]]  # the first sight of each product, no more


async def test_a_change_at_the_catalog_reprices_the_next_answer(
        copying_client: httpx.AsyncClient, auth: Any, catalog: Any, broker_url: str,
        new_user_id: Callable[[], str]) -> None:
    headers = auth.customer(new_user_id())
    await copying_client.put("/api/cart/items/p1", json={"quantity": 2}, headers=headers)
    catalog.prices["p1"] = 250
    replace_version(broker_url)
    answer = await copying_client.get("/api/cart", headers=headers)
    assert answer.json()["items"][0]["unit_price_cents"] == 250
    catalog.deleted.add("p1")
    replace_version(broker_url)
    assert (await copying_client.get("/api/cart", headers=headers)).json()["items"] == []
    assert catalog.lookups == [["p1"], ["p1"], ["p1"]]


async def test_a_broker_that_does_not_answer_costs_the_copies_not_the_answer(
        settings: Settings, issuer: Any, catalog: Any, auth: Any,
        new_user_id: Callable[[], str]) -> None:
    app = create_app(settings.model_copy(update={"events_redis_url": "redis://127.0.0.1:9/0"}),
                     verifier=issuer.verifier(),
                     catalog_transport=httpx.MockTransport(catalog.handle))
    headers = auth.customer(new_user_id())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cart.test") as client:
        await client.put("/api/cart/items/p1", json={"quantity": 1}, headers=headers)
        answers = [await client.get("/api/cart", headers=headers) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert catalog.lookups == [["p1"], ["p1"], ["p1"]]  # every answer asked the catalog


async def test_a_checkouts_cart_is_priced_by_the_catalog_itself(
        copying_client: httpx.AsyncClient, auth: Any, catalog: Any, internal: dict[str, str],
        new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await copying_client.put("/api/cart/items/p1", json={"quantity": 1},
                             headers=auth.customer(user))
    for _ in range(2):
        answer = await copying_client.get(f"/internal/carts/{user}", headers=internal)
        assert answer.json()["total_cents"] == 100
    assert catalog.lookups == [["p1"], ["p1"], ["p1"]]
