"""Whether a product exists, asked of the catalog: the cart's own routes refuse an
unknown product (404) as the public route does, whoever calls them."""

from __future__ import annotations

import logging
from urllib.parse import quote

from chassis.outbound import AsyncServiceClient
from chassis.problems import Unavailable

log = logging.getLogger(__name__)


class ProductCatalog:
    def __init__(self, http: AsyncServiceClient) -> None:
        self.http = http

    async def exists(self, product_id: str) -> bool:
        """True for a product the catalog has; :class:`Unavailable` when it cannot say."""
        response = await self.http.request("GET", f"/api/products/{quote(product_id, safe='')}")
        if response.status_code == 200:
            return True
        if response.status_code in (404, 422):  # no such product, or no id it could have
            return False
        log.warning("unexpected answer from the catalog", extra={
            "status": response.status_code, "downstream": "catalog"})
        raise Unavailable("The catalog gave an unexpected answer.")

    async def aclose(self) -> None:
        await self.http.aclose()
