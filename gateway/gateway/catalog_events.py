"""The catalog's events (``catalog.events``) read to keep the edge's caches true.

Every gateway worker is a consumer in one consumer group, so each event is read
by one of them and drops the shared entry once for all replicas. An event is
acknowledged after its invalidation; one whose consumer died unacknowledged is
claimed by another after ``CLAIM_IDLE_MS``. Dropping an entry twice is harmless,
so the consumer is idempotent by nature: an event seen again changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Sequence
from typing import Any

from chassis.events import PRODUCT_CHANGED
from chassis.streams import CATALOG_STREAM
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from gateway.catalog_cache import ProductCache

log = logging.getLogger(__name__)

GROUP = "gateway-product-cache"
TYPES = frozenset({"product.changed", "stock.changed"})
READ_COUNT = 100
BLOCK_MS = 1000
CLAIM_IDLE_MS = 10_000
RETRY_SECONDS = 1.0


def product_of(fields: dict[bytes, bytes]) -> str | None:
    """The product id an entry is about (its subject, else ``data.id``), or None."""
    if fields.get(b"type", b"").decode() not in TYPES:
        return None
    try:
        event: dict[str, Any] = json.loads(fields[b"event"])
    except (KeyError, ValueError):
        return None
    data = event.get("data")
    subject = event.get("subject") or (data.get("id") if isinstance(data, dict) else None)
    return subject if isinstance(subject, str) and subject else None


class CatalogEventConsumer:
    def __init__(self, redis: Redis, cache: ProductCache, *,
                 consumer: str | None = None, stream: str = CATALOG_STREAM) -> None:
        self.redis = redis
        self.cache = cache
        self.stream = stream
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def aclose(self) -> None:
        self._stopping = True  # a cancelled read may surface as a connection error
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self._ensure_group()
                await self._claim_abandoned()
                while not self._stopping:
                    await self.read_once(block_ms=BLOCK_MS)
            except (RedisError, OSError) as exc:
                if self._stopping:
                    return
                log.warning("catalog events unavailable: %r", exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def _ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _claim_abandoned(self) -> None:
        claimed = await self.redis.xautoclaim(self.stream, GROUP, self.consumer,
                                              min_idle_time=CLAIM_IDLE_MS, count=READ_COUNT)
        await self._handle(claimed[1])

    async def read_once(self, *, block_ms: int | None = None) -> int:
        """Read and apply what is new for this consumer; how many entries it handled."""
        found = await self.redis.xreadgroup(GROUP, self.consumer, {self.stream: ">"},
                                            count=READ_COUNT, block=block_ms)
        handled = 0
        for _name, entries in found or []:
            handled += await self._handle(entries)
        return handled

    async def _handle(self, entries: Sequence[tuple[bytes, dict[bytes, bytes]]]) -> int:
        if not entries:
            return 0
        products = [p for p in (product_of(fields or {}) for _id, fields in entries) if p]
        # Anything but a stock change may move a product in or out of a listing.
        listings = any((fields or {}).get(b"type") == PRODUCT_CHANGED.encode()
                       for _id, fields in entries)
        if products and not await self.cache.invalidate(products, listings=listings):
            raise RedisError("the catalog caches could not be invalidated")
        await self.redis.xack(self.stream, GROUP, *[entry_id for entry_id, _ in entries])
        return len(entries)
