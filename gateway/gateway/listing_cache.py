"""Product listings and categories cached at the edge, beside the product cache.

``GET /api/products`` (a page of products, filtered, sorted, searched) and
``GET /api/categories`` are answered from Redis when the entry is still true.
An entry remembers what it depends on, and one Lua script checks it on read:

- which products exist and their names, categories and prices (the membership
  and order of every listing): the listings generation
  (:data:`~gateway.catalog_cache.LISTINGS_KEY`), raised by every
  ``product.changed`` event and every admin write through the edge;
- the stock (and everything else) of each product on the page: the product's own
  generation, which every invalidation of that product raises.

So a checkout stales only the pages that show what it bought, not every page.
A read that went to the catalog stores its answer only if no invalidation at all
happened meanwhile (the changes counter, noted before the catalog was asked):
the generations it then records are never newer than what it read.

Bounded: only the contract's own parameters, once each, in a query of at most
:data:`MAX_QUERY_BYTES`; at most :data:`MAX_ENTRIES` entries (the oldest go), each
for ``ttl_seconds``. The scripts read keys they are not passed (the products'
generations), which a single Redis allows and a Redis Cluster would not.
"""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import parse_qsl

from chassis.fail_open import FailOpen
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.catalog_cache import CHANGES_KEY, GENERATION_PREFIX, LISTINGS_KEY

ENTRY_PREFIX = "gateway:listing:"
INDEX_KEY = "gateway:listing-index"
MAX_ENTRIES = 512
MAX_QUERY_BYTES = 512
LISTING_PARAMETERS = frozenset({"q", "category", "min_price_cents", "max_price_cents", "sort",
                                "page", "page_size"})

_READ = """
local entry = redis.call('HMGET', KEYS[1], 'body', 'listings', 'ids', 'generations')
if entry[1] and (redis.call('GET', KEYS[2]) or '0') == entry[2] then
  local generations = {}
  for generation in string.gmatch(entry[4], '%S+') do
    generations[#generations + 1] = generation
  end
  local i, fresh = 1, true
  for id in string.gmatch(entry[3], '%S+') do
    if (redis.call('GET', ARGV[1] .. id) or '0') ~= generations[i] then
      fresh = false
      break
    end
    i = i + 1
  end
  if fresh then
    return {1, entry[1]}
  end
end
return {0, redis.call('GET', KEYS[3]) or '0'}
"""
_STORE = """
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then
  return 0
end
local generations = {}
for id in string.gmatch(ARGV[5], '%S+') do
  generations[#generations + 1] = redis.call('GET', ARGV[4] .. id) or '0'
end
redis.call('HSET', KEYS[1], 'body', ARGV[2], 'listings', redis.call('GET', KEYS[2]) or '0',
           'ids', ARGV[5], 'generations', table.concat(generations, ' '))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[6], KEYS[1])
local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[7])
if extra > 0 then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, extra - 1)
  redis.call('DEL', unpack(oldest))
  redis.call('ZREM', KEYS[4], unpack(oldest))
end
return 1
"""


class ListingMiss:
    """No true entry: the changes counter when the read found none (for :meth:`store`)."""

    __slots__ = ("changes",)

    def __init__(self, changes: bytes) -> None:
        self.changes = changes


def cacheable(query_string: bytes) -> bool:
    """Only the contract's listing parameters, each at most once: anything else (a
    parameter the catalog refuses, a cache-busting one) goes to the catalog as it is."""
    if len(query_string) > MAX_QUERY_BYTES:
        return False
    try:
        names = [name for name, _ in parse_qsl(query_string.decode("ascii"),
                                               keep_blank_values=True)]
    except (UnicodeDecodeError, ValueError):
        return False
    return set(names) <= LISTING_PARAMETERS and len(names) == len(set(names))


def products_listed(body: bytes) -> list[str] | None:
    """The ids of the products a listing shows, or None when it is not a listing."""
    try:
        items = json.loads(body).get("items")
    except (ValueError, AttributeError):
        return None
    ids = [item.get("id") for item in items if isinstance(item, dict)] \
        if isinstance(items, list) else None
    if ids is None or not all(isinstance(i, str) and i and " " not in i for i in ids):
        return None
    return ids


class ListingCache(FailOpen):
    what = "listing cache"
    instead = "reads go to the catalog"

    def __init__(self, redis: Redis, *, ttl_seconds: int) -> None:
        super().__init__()
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self._read = redis.register_script(_READ)
        self._store = redis.register_script(_STORE)

    @staticmethod
    def key(path: str, query_string: bytes) -> str:
        digest = hashlib.sha256(path.encode() + b"?" + query_string).hexdigest()
        return ENTRY_PREFIX + digest[:40]

    async def get(self, key: str) -> bytes | ListingMiss | None:
        """The cached body if still true, a :class:`ListingMiss`, or None (Redis cannot say)."""
        if self._resting():
            return None
        try:
            found, value = await self._read(keys=[key, LISTINGS_KEY, CHANGES_KEY],
                                            args=[GENERATION_PREFIX])
        except (RedisError, OSError) as exc:
            self._failed("read", exc)
            return None
        return bytes(value) if found == 1 else ListingMiss(bytes(value))

    async def store(self, key: str, miss: ListingMiss, body: bytes,
                    product_ids: list[str]) -> bool:
        """Keep ``body``, which shows ``product_ids``, unless anything changed since ``miss``."""
        try:
            stored = await self._store(
                keys=[key, LISTINGS_KEY, CHANGES_KEY, INDEX_KEY],
                args=[miss.changes, body, self.ttl_seconds, GENERATION_PREFIX,
                      " ".join(product_ids), time.time(), MAX_ENTRIES])
        except (RedisError, OSError) as exc:
            self._failed("store", exc)
            return False
        return bool(stored)
