"""The products the cart looked up, kept while the catalog's products version stays the
same (:mod:`chassis.product_version`), so that pricing a cart asks the catalog only for
products the cart has not seen since the last change.

Each lookup first reads the version. Products fetched are kept under the version read
before they were asked for; a different version drops every copy. A copy also expires
after ``ttl_seconds``, the bound for a change whose replacement of the version was lost.
A version that cannot be read (the broker is down or slow) means no copy is used or
kept, and the broker is left alone for a second: the cart then prices from the catalog
as it did before it kept copies.

The monolith answers the same question with a join in its cart query; this is what the
join costs when the prices live in another service's database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from chassis.fail_open import FailOpen
from chassis.product_version import PRODUCTS_VERSION_KEY
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cart.domain import Product


class VersionReader(FailOpen):
    """The catalog's products version as the broker has it now: ``""`` when it has none
    yet, ``None`` when it cannot say (and for a second after it could not)."""

    what = "products version"
    instead = "prices come from the catalog"

    def __init__(self, broker: Redis) -> None:
        super().__init__()
        self.broker = broker

    async def read(self) -> str | None:
        if self._resting():
            return None
        try:
            value = await self.broker.get(PRODUCTS_VERSION_KEY)
        except RedisError as exc:
            self._failed("read", exc)
            return None
        return str(value) if value is not None else ""

    async def aclose(self) -> None:
        await self.broker.aclose()


class ProductCopies:
    """At most ``max_entries`` products, each kept for ``ttl_seconds`` under one version."""

    def __init__(self, *, ttl_seconds: float, max_entries: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._version: str | None = None
        self._entries: dict[str, tuple[Product, float]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def current(self, version: str | None, product_ids: Iterable[str]) -> dict[str, Product]:
        """The copies of ``product_ids`` still current under ``version`` (none when it is
        ``None``); a version other than the one kept drops them all."""
        if version is None:
            return {}
        if version != self._version:
            self._entries.clear()
            self._version = version
        now = self._clock()
        found = {}
        for product_id in product_ids:
            entry = self._entries.get(product_id)
            if entry is None:
                continue
            if entry[1] <= now:
                del self._entries[product_id]
            else:
                found[product_id] = entry[0]
        return found

    def keep(self, version: str | None, products: Mapping[str, Product]) -> None:
        """Keep ``products``, fetched after ``version`` was read, if it is still the one
        kept (a lookup that overlapped a change stores nothing)."""
        if version is None or version != self._version or self.ttl_seconds <= 0:
            return
        expires_at = self._clock() + self.ttl_seconds
        for product_id, product in products.items():
            self._entries.pop(product_id, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]  # the oldest kept goes first
            self._entries[product_id] = (product, expires_at)
