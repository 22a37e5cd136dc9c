"""The product cache against a real Redis (db 12): a read that began before a change
never stores what it read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from gateway.catalog_cache import ENTRY_PREFIX, GENERATION_PREFIX, Miss, ProductCache
from gateway.catalog_events import product_of
from redis.asyncio import Redis

pytestmark = pytest.mark.anyio


@pytest.fixture
async def cache(redis: Redis) -> AsyncIterator[tuple[ProductCache, str]]:
    product_id = f"unit-{uuid.uuid4().hex}"
    yield ProductCache(redis, ttl_seconds=30), product_id
    await redis.delete(ENTRY_PREFIX + product_id, GENERATION_PREFIX + product_id)


async def test_a_stored_answer_is_read_back(cache: tuple[ProductCache, str]) -> None:
    products, product_id = cache
    miss = await products.get(product_id)
    assert isinstance(miss, Miss)

    assert await products.store(product_id, miss, b'{"id": 1}')
    assert await products.get(product_id) == b'{"id": 1}'


async def test_a_read_that_began_before_an_invalidation_does_not_store(
        cache: tuple[ProductCache, str]) -> None:
    products, product_id = cache
    miss = await products.get(product_id)  # the read goes to the catalog ...
    assert isinstance(miss, Miss)
    await products.invalidate([product_id])  # ... a write lands meanwhile ...

    assert not await products.store(product_id, miss, b'{"stock": "stale"}')
    assert isinstance(await products.get(product_id), Miss)


async def test_an_invalidation_drops_the_entry(cache: tuple[ProductCache, str]) -> None:
    products, product_id = cache
    miss = await products.get(product_id)
    assert isinstance(miss, Miss)
    await products.store(product_id, miss, b"{}")

    assert await products.invalidate([product_id, product_id])
    assert isinstance(await products.get(product_id), Miss)


async def test_redis_down_costs_the_cache_not_the_read() -> None:
    products = ProductCache(Redis.from_url("redis://127.0.0.1:1/0"), ttl_seconds=30)

    assert await products.get("p1") is None
    assert not await products.invalidate(["p1"])


@pytest.mark.parametrize(("fields", "expected"), [
    ({b"type": b"stock.changed", b"event": b'{"subject": "p1", "data": {"stock": 1}}'}, "p1"),
    ({b"type": b"product.changed", b"event": b'{"data": {"id": "p2", "deleted": true}}'}, "p2"),
    ({b"type": b"order.confirmed", b"event": b'{"subject": "p3"}'}, None),
    ({b"type": b"stock.changed", b"event": b"not json"}, None),
    ({}, None),
])
def test_the_product_of_an_event(fields: dict[bytes, bytes], expected: str | None) -> None:
    assert product_of(fields) == expected
