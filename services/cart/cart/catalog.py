"""Today's products, asked of the catalog in one lookup: the cart prices its lines with
them and refuses a product the catalog does not have (404), whoever calls it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from chassis.outbound import AsyncServiceClient
from chassis.problems import Unavailable

from cart.domain import Product

log = logging.getLogger(__name__)

LOOKUP_PATH = "/internal/products/lookup"
# The most ids the catalog's lookup takes at once; a larger cart takes more than one.
LOOKUP_MAX_IDS = 1000


class ProductCatalog:
    def __init__(self, http: AsyncServiceClient) -> None:
        self.http = http

    async def lookup(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The products the catalog has among ``product_ids``, by id (the others are
        absent: deleted, or never were); :class:`Unavailable` when it cannot say."""
        wanted = sorted(set(product_ids))
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), LOOKUP_MAX_IDS):
            found.update(await self._lookup(wanted[start:start + LOOKUP_MAX_IDS]))
        return found

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
