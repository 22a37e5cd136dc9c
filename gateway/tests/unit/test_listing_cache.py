"""The listing cache against a real Redis (db 12): an entry is true until a product it
shows or the listings as a whole change, and a read that began before any change never
stores what it read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from gateway.catalog_cache import (
    CHANGES_KEY,
    ENTRY_PREFIX,
    GENERATION_PREFIX,
    LISTINGS_KEY,
    ProductCache,
)
from gateway.listing_cache import INDEX_KEY, ListingCache, ListingMiss, cacheable, products_listed
from redis.asyncio import Redis

from gateway import listing_cache

pytestmark = pytest.mark.anyio


class Caches:
    def __init__(self, redis: Redis) -> None:
        self.products = ProductCache(redis, ttl_seconds=30)
        self.listings = ListingCache(redis, ttl_seconds=30)
        self.tag = uuid.uuid4().hex
        self.shown = [f"unit-{self.tag}-a", f"unit-{self.tag}-b"]

    def key(self, query: str = "page=1") -> str:
        return self.listings.key(f"/api/products/{self.tag}", query.encode())

    async def cached(self, key: str, body: bytes = b'{"items": []}') -> None:
        miss = await self.listings.get(key)
        assert isinstance(miss, ListingMiss)
        assert await self.listings.store(key, miss, body, self.shown)


@pytest.fixture
async def caches(redis: Redis) -> AsyncIterator[Caches]:
    found = Caches(redis)
    yield found
    keys = [key async for key in redis.scan_iter(f"{listing_cache.ENTRY_PREFIX}*")]
    await redis.delete(*keys, INDEX_KEY, CHANGES_KEY, LISTINGS_KEY,
                       *[prefix + product for product in found.shown
                         for prefix in (ENTRY_PREFIX, GENERATION_PREFIX)])


async def test_a_stored_listing_is_read_back(caches: Caches) -> None:
    await caches.cached(caches.key(), b'{"items": [1]}')

    assert await caches.listings.get(caches.key()) == b'{"items": [1]}'
    assert isinstance(await caches.listings.get(caches.key("page=2")), ListingMiss)


async def test_a_change_of_a_product_it_shows_stales_it_and_of_another_does_not(
        caches: Caches) -> None:
    await caches.cached(caches.key())

    await caches.products.invalidate([f"unit-{caches.tag}-elsewhere"])
    assert isinstance(await caches.listings.get(caches.key()), bytes)

    await caches.products.invalidate([caches.shown[1]])  # its stock moved
    assert isinstance(await caches.listings.get(caches.key()), ListingMiss)


async def test_a_change_to_the_listings_stales_every_listing(caches: Caches) -> None:
    await caches.cached(caches.key("page=1"))
    await caches.cached(caches.key("category=Books"))

    await caches.products.invalidate([], listings=True)  # a product was created

    for query in ("page=1", "category=Books"):
        assert isinstance(await caches.listings.get(caches.key(query)), ListingMiss)


async def test_a_read_that_began_before_any_change_does_not_store(caches: Caches) -> None:
    miss = await caches.listings.get(caches.key())  # the read goes to the catalog ...
    assert isinstance(miss, ListingMiss)
    await caches.products.invalidate([f"unit-{caches.tag}-unrelated"])  # ... a write lands

    assert not await caches.listings.store(caches.key(), miss, b'{"stale": 1}', caches.shown)
    assert isinstance(await caches.listings.get(caches.key()), ListingMiss)


async def test_the_oldest_entries_go_past_the_bound(caches: Caches, redis: Redis,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    await redis.delete(INDEX_KEY)
    monkeypatch.setattr(listing_cache, "MAX_ENTRIES", 2)
    for page in (1, 2, 3):
        await caches.cached(caches.key(f"page={page}"))

    assert isinstance(await caches.listings.get(caches.key("page=1")), ListingMiss)
    assert isinstance(await caches.listings.get(caches.key("page=3")), bytes)
    assert await redis.zcard(INDEX_KEY) == 2


async def test_redis_failing_costs_the_cache_not_the_read() -> None:
    dead = ListingCache(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
                        ttl_seconds=30)
    assert await dead.get(dead.key("/api/products", b"")) is None
    assert await dead.get(dead.key("/api/products", b"")) is None  # resting, not retrying
    await dead.redis.aclose()


@pytest.mark.parametrize(("query", "expected"), [
    (b"", True),
    (b"page=2&page_size=20", True),
    (b"q=lamp&category=Home&sort=-price&min_price_cents=1&max_price_cents=9", True),
    (b"uncached=1", False),
    (b"page=1&page=2", False),
    (b"q=" + b"x" * 600, False),
    (b"q=%ff", True),
    (b"q=\xff", False),
])
def test_only_the_contracts_listing_parameters_are_cached(query: bytes, expected: bool) -> None:
    assert cacheable(query) is expected


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"items": [{"id": "a"}, {"id": "b"}], "total": 2}', ["a", "b"]),
    (b'{"items": []}', []),
    (b'{"items": [{"name": "Books"}]}', None),
    (b'{"items": [{"id": "a b"}]}', None),
    (b'[1, 2]', None),
    (b'not json', None),
])
def test_the_products_a_listing_shows(body: bytes, expected: list[str] | None) -> None:
    assert products_listed(body) == expected
