"""The cart's consumer of catalog.events on real Redis: the carts on database 11, the
broker a private ``redis-server``; the events as the catalog's relay publishes them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cart import events
from cart.app import create_app
from cart.config import Settings
from cart.db import Database
from cart.repository import CartRepository, index_key
from chassis.events import PRODUCT_CHANGED, STOCK_CHANGED, cloud_event
from chassis.tokens import TokenIssuer
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from chassis import streams

pytestmark = pytest.mark.anyio
UserIds = Callable[[], str]


@pytest.fixture
async def broker(broker_url: str) -> AsyncIterator[Redis]:
    client = events.connect_broker(broker_url)
    yield client
    await client.aclose()


def publish(broker_url: str, event_type: str, product_id: str, data: dict[str, Any],
            event_id: str | None = None) -> dict[str, Any]:
    event = cloud_event(type=event_type, source="/catalog", subject=product_id, data=data,
                        time=datetime.now(UTC), id=event_id)
    with SyncRedis.from_url(broker_url) as client:
        streams.publish(client, event, stream=streams.CATALOG_STREAM, owner_stream=None)
    return event


def deleted(broker_url: str, product_id: str, event_id: str | None = None) -> dict[str, Any]:
    return publish(broker_url, PRODUCT_CHANGED, product_id, {"id": product_id, "deleted": True},
                   event_id)


async def test_the_index_names_the_carts_holding_a_product_and_follows_their_lines(
        carts: CartRepository, redis: Redis, new_user_id: UserIds) -> None:
    alice, bob = new_user_id(), new_user_id()
    await carts.set_quantity(alice, "p-idx", 1)
    await carts.set_quantity(bob, "p-idx", 2)
    await carts.set_quantity(bob, "other-idx", 1)
    assert set(await redis.zrange(index_key("p-idx"), 0, -1)) == {alice, bob}
    await carts.remove(alice, "p-idx")
    await carts.clear(bob)
    assert await redis.zrange(index_key("p-idx"), 0, -1) == []
    assert await redis.zrange(index_key("other-idx"), 0, -1) == []


async def test_every_write_renews_the_index_entries_of_all_lines_to_the_carts_expiry(
        carts: CartRepository, redis: Redis, new_user_id: UserIds) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "old-idx", 1)
    await redis.zadd(index_key("old-idx"), {user: time.time() + 5})  # as if written long ago
    await carts.set_quantity(user, "new-idx", 1)
    lapses = await redis.zscore(index_key("old-idx"), user)
    assert lapses is not None and lapses > time.time() + 590
    assert 590 <= await redis.ttl(index_key("old-idx")) <= 600


async def test_a_deleted_product_leaves_every_cart_once_and_the_entry_is_acknowledged(
        db: Database, carts: CartRepository, broker: Redis, broker_url: str,
        new_user_id: UserIds) -> None:
    alice, bob = new_user_id(), new_user_id()
    await carts.set_quantity(alice, "gone-1", 2)
    await carts.set_quantity(alice, "kept-1", 1)
    await carts.set_quantity(bob, "gone-1", 1)
    publish(broker_url, STOCK_CHANGED, "kept-1", {"id": "kept-1", "stock": 3})
    event = deleted(broker_url, "gone-1")
    await events.ensure_group(broker)
    assert await events.consume_once(db=db, broker=broker, consumer="w1", block_ms=100) == 2
    assert await carts.get(alice) == {"kept-1": 1}
    assert await carts.get(bob) == {}
    assert (await broker.xpending(streams.CATALOG_STREAM, events.GROUP))["pending"] == 0
    # The same event delivered again (a relay that published twice) changes nothing.
    await carts.set_quantity(bob, "gone-1", 1)
    await broker.xadd(streams.CATALOG_STREAM, {"id": event["id"], "type": event["type"],
                                               "event": json.dumps(event)})
    assert await events.consume_once(db=db, broker=broker, consumer="w1", block_ms=100) == 1
    assert await carts.get(bob) == {"gone-1": 1}


async def test_an_entry_a_dead_worker_left_unacknowledged_is_handled_by_another(
        db: Database, carts: CartRepository, broker: Redis, broker_url: str,
        new_user_id: UserIds, monkeypatch: pytest.MonkeyPatch) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "gone-2", 1)
    await events.ensure_group(broker)
    deleted(broker_url, "gone-2")
    taken = await broker.xreadgroup(events.GROUP, "dead", {streams.CATALOG_STREAM: ">"})
    assert taken, "the dead worker read it and never acknowledged it"
    assert await carts.get(user) == {"gone-2": 1}
    monkeypatch.setattr(events, "CLAIM_IDLE_MS", 0)
    assert await events.consume_once(db=db, broker=broker, consumer="alive", block_ms=100) == 1
    assert await carts.get(user) == {}


async def test_the_workers_consumer_drops_a_deleted_product_from_carts_as_it_serves(
        settings: Settings, issuer: TokenIssuer, catalog: Any, broker_url: str, redis: Redis,
        new_user_id: UserIds) -> None:
    app = create_app(settings.model_copy(update={"events_redis_url": broker_url}),
                     verifier=issuer.verifier(),
                     catalog_transport=httpx.MockTransport(catalog.handle))
    user = new_user_id()
    headers = {"Authorization": f"Bearer {issuer.issue(subject=user, role='customer')}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cart.test") as client:
        for product_id in ("gone-3", "kept-3"):
            answer = await client.put(f"/api/cart/items/{product_id}", json={"quantity": 1},
                                      headers=headers)
            assert answer.status_code == 200
        deleted(broker_url, "gone-3")
        deadline = time.monotonic() + 10
        while True:
            items = (await client.get("/api/cart", headers=headers)).json()["items"]
            if [item["product_id"] for item in items] == ["kept-3"]:
                break
            assert time.monotonic() < deadline, items
            await asyncio.sleep(0.05)
