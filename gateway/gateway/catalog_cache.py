"""Product reads cached at the edge, in the Redis every gateway replica shares.

``GET /api/products/{id}`` is answered from Redis when the product is there;
otherwise the catalog answers and its 200 is stored. Every change drops the
entry: synchronously, before the gateway answers a write it proxied (an admin's
PATCH or DELETE of the product, a checkout or a cancel for the products in the
order's lines), and from the catalog's own events (``product.changed``,
``stock.changed`` on the ``catalog.events`` stream), which cover the writes that
do not pass the edge. So a client never reads a price or a stock older than its
own write, and a change made elsewhere is seen as soon as its event is read.

A read that went to the catalog before a change and comes back after the change
dropped the entry must not store what it read. Each product has a generation,
raised by every invalidation; a read notes the generation before it asks the
catalog, and its answer is stored only if the generation is still the same
(one Lua script: compare, then set). The entry also expires after
``ttl_seconds``, a bound for the case that an event is lost.

Redis failing costs the cache, never a read: the catalog answers (fail open,
logged), and Redis is left alone for a second.
"""

from __future__ import annotations

from collections.abc import Iterable

from chassis.fail_open import FailOpen
from redis.asyncio import Redis
from redis.exceptions import RedisError

ENTRY_PREFIX = "gateway:product:"
GENERATION_PREFIX = "gateway:product-gen:"
# Raised by every invalidation: a listing read that began before it does not store.
CHANGES_KEY = "gateway:catalog-changes"
# Raised when which products exist, or their names, categories or prices, changed (a
# product.changed event, an admin's write): the membership and order of every listing.
LISTINGS_KEY = "gateway:catalog-listings"
# Longer than any read can take: a generation that expired mid-read only costs a store.
GENERATION_TTL_SECONDS = 24 * 3600
# Ids longer than any the catalog issues are not worth a key.
MAX_ID_LENGTH = 128

_STORE = """
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""
_INVALIDATE = """
local products = #KEYS - 2
for i = 1, products, 2 do
  redis.call('INCR', KEYS[i + 1])
  redis.call('EXPIRE', KEYS[i + 1], ARGV[1])
  redis.call('DEL', KEYS[i])
end
redis.call('INCR', KEYS[products + 1])
if ARGV[2] == '1' then
  redis.call('INCR', KEYS[products + 2])
end
return products / 2
"""


class Miss:
    """No entry: what the generation was when the read found none (for :meth:`store`)."""

    __slots__ = ("generation",)

    def __init__(self, generation: bytes) -> None:
        self.generation = generation


class ProductCache(FailOpen):
    what = "product cache"
    instead = "reads go to the catalog"

    def __init__(self, redis: Redis, *, ttl_seconds: int) -> None:
        super().__init__()
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self._store = redis.register_script(_STORE)
        self._invalidate = redis.register_script(_INVALIDATE)

    @staticmethod
    def cacheable(product_id: str) -> bool:
        return 0 < len(product_id) <= MAX_ID_LENGTH

    async def get(self, product_id: str) -> bytes | Miss | None:
        """The cached body, a :class:`Miss`, or None when Redis cannot say."""
        if self._resting():
            return None
        try:
            body, generation = await self.redis.mget(
                ENTRY_PREFIX + product_id, GENERATION_PREFIX + product_id)
        except (RedisError, OSError) as exc:
            self._failed("read", exc)
            return None
        return body if body is not None else Miss(generation or b"0")

    async def store(self, product_id: str, miss: Miss, body: bytes) -> bool:
        """Keep ``body`` unless the product changed since ``miss`` was seen."""
        try:
            stored = await self._store(
                keys=[ENTRY_PREFIX + product_id, GENERATION_PREFIX + product_id],
                args=[miss.generation, body, self.ttl_seconds])
        except (RedisError, OSError) as exc:
            self._failed("store", exc)
            return False
        return bool(stored)

    async def invalidate(self, product_ids: Iterable[str], *, listings: bool = False) -> bool:
        """Drop the entries and raise the generations of ``product_ids`` (which also
        stales the listings that show them, :mod:`gateway.listing_cache`); with
        ``listings``, every listing too (a product came, went, or changed more than its
        stock). When Redis fails, the write is still answered (logged; the entries expire
        within the TTL) and reads go to the catalog for a while."""
        keys = []
        for product_id in dict.fromkeys(product_ids):
            if self.cacheable(product_id):
                keys += [ENTRY_PREFIX + product_id, GENERATION_PREFIX + product_id]
        if not keys and not listings:
            return True
        try:
            await self._invalidate(keys=[*keys, CHANGES_KEY, LISTINGS_KEY],
                                   args=[GENERATION_TTL_SECONDS, "1" if listings else "0"])
        except (RedisError, OSError) as exc:
            self._failed("invalidation", exc)
            return False
        return True
