"""The catalog's side of :mod:`chassis.product_version`: replacing the token after a
product's name, price or existence changed.

Failing open: the write is done when this runs, so a broker that does not answer costs
a logged warning, not the write's answer. The relay replaces the token again when it
publishes the write's ``product.changed`` event, once the broker answers, and a reader
that cannot read the token does not use its copy.
"""

from __future__ import annotations

import logging

from chassis.product_version import PRODUCTS_VERSION_KEY, new_version
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 1.0


class ProductsVersion:
    """Replaces the products version in ``broker``; with no broker, does nothing (a
    catalog run without readers of the token, as the tests of its own store are)."""

    def __init__(self, broker: Redis | None) -> None:
        self.broker = broker

    @classmethod
    def connect(cls, url: str | None) -> ProductsVersion:
        """Lazily connected: making one never blocks, and it is safe to make before a fork."""
        if not url:
            return cls(None)
        return cls(Redis.from_url(url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                                  socket_connect_timeout=BROKER_TIMEOUT_SECONDS))

    def bump(self) -> None:
        if self.broker is None:
            return
        try:
            self.broker.set(PRODUCTS_VERSION_KEY, new_version())
        except RedisError as exc:
            log.warning("the products version was not replaced: %s", type(exc).__name__)

    def close(self) -> None:
        if self.broker is not None:
            self.broker.close()


UNTRACKED = ProductsVersion(None)
