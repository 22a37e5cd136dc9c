"""Today's products, asked of the catalog in one lookup: the cart prices its lines with
them and refuses a product the catalog does not have (404), whoever calls it. With a
reader of the catalog's products version, products seen since the last change come from
the cart's copies instead (:mod:`cart.product_copies`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from chassis.outbound import AsyncServiceClient
from chassis.problems import Unavailable

from cart.domain import Product
from cart.product_copies import ProductCopies, VersionReader

log = logging.getLogger(__name__)

LOOKUP_PATH = "/internal/products/lookup"
# The most ids the catalog's lookup takes at once; a larger cart takes more than one.
LOOKUP_MAX_IDS = 1000


class ProductCatalog:
    def __init__(self, http: AsyncServiceClient, *, versions: VersionReader | None = None,
                 copies: ProductCopies | None = None) -> None:
        """Without ``versions`` no copy is ever current, so none is used or kept."""
        self.http = http
        self.versions = versions
        self.copies = copies if copies is not None else ProductCopies(ttl_seconds=0,
                                                                      max_entries=1)

    async def lookup(self, product_ids: Iterable[str], *,
                     fresh: bool = False) -> dict[str, Product]:
        """The products the catalog has among ``product_ids``, by id (the others are
        absent: deleted, or never were); :class:`Unavailable` when it cannot say.
        ``fresh``: every one asked of the catalog, none from the copies."""
        wanted = set(product_ids)
        if not wanted:
            return {}
        version = None if fresh or self.versions is None else await self.versions.read()
        found = self.copies.current(version, wanted)
        missing = sorted(wanted - found.keys())
        fetched: dict[str, Product] = {}
        for start in range(0, len(missing), LOOKUP_MAX_IDS):
            fetched.update(await self._lookup(missing[start:start + LOOKUP_MAX_IDS]))
        self.copies.keep(version, fetched)
        return found | fetched

    async def _lookup(self, product_ids: list[str]) -> dict[str, Product]:
        response = await self.http.request("POST", LOOKUP_PATH, json={"ids": product_ids})
        if response.status_code != 200:
            log.warning("unexpected answer from the catalog", extra={
                "status": response.status_code, "downstream": "catalog"})
            raise Unavailable("The catalog gave an unexpected answer.")
        return {item["id"]: Product(id=item["id"], sku=item["sku"], name=item["name"],
                                    price_cents=item["price_cents"])
                for item in response.json()["items"]}

    async def aclose(self) -> None:
        await self.http.aclose()
        if self.versions is not None:
            await self.versions.aclose()
