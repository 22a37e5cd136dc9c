"""The gateway's dependencies: what the lifespan opens, built once per app.

Stored as ``app.state.deps`` and read by :func:`deps`; nothing else lives on
``app.state``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from chassis.pool_metrics import watch_redis_pool
from chassis.problems import Unavailable
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from gateway.auth import AsyncJwksVerifier, EdgeAuth
from gateway.catalog_cache import ProductCache
from gateway.catalog_events import CatalogEventConsumer
from gateway.config import Settings
from gateway.events import OrderEvents
from gateway.listing_cache import ListingCache
from gateway.ratelimit import RateLimiter
from gateway.upstreams import JWKS, Upstreams, open_upstreams

REDIS_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class Deps:
    """The edge's long-lived clients."""

    upstreams: Upstreams
    auth: EdgeAuth
    redis: Redis
    limiter: RateLimiter | None
    products: ProductCache | None
    listings: ListingCache | None
    catalog_events: CatalogEventConsumer | None
    order_events: OrderEvents

    def start(self) -> None:
        if self.catalog_events is not None:
            self.catalog_events.start()

    async def aclose(self) -> None:
        if self.catalog_events is not None:
            await self.catalog_events.aclose()
            await self.catalog_events.redis.aclose()
        await self.order_events.aclose()
        await self.upstreams.aclose()
        await self.redis.aclose()


def deps(connection: HTTPConnection) -> Deps:
    found: Deps = connection.app.state.deps
    return found


def open_deps(settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport]) -> Deps:
    upstreams = open_upstreams(settings, transports)
    jwks_path = httpx.URL(settings.resolved_jwks_url).raw_path.decode()

    async def fetch_jwks() -> dict[str, Any]:
        answer = await upstreams.call(JWKS, "GET", jwks_path)
        if answer.status_code != 200:
            raise Unavailable("The token issuer's keys cannot be fetched.")
        return dict(answer.json())

    verifier = AsyncJwksVerifier(fetch_jwks, issuer=settings.jwt_issuer,
                                 audience=settings.jwt_audience)
    redis = Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    watch_redis_pool(redis, "redis")  # the pool's gauges (chassis.pool_metrics)
    limit = settings.rate_limit_per_minute
    limiter = RateLimiter(redis, limit=limit) if limit > 0 else None
    products, listings, consumer = None, None, None
    if settings.product_cache_seconds > 0:
        products = ProductCache(redis, ttl_seconds=settings.product_cache_seconds)
        listings = ListingCache(redis, ttl_seconds=settings.product_cache_seconds)
        broker = Redis.from_url(settings.events_redis_url or settings.redis_url,
                                socket_timeout=5.0, socket_connect_timeout=1.0)
        consumer = CatalogEventConsumer(broker, products)
    return Deps(upstreams, EdgeAuth(verifier), redis, limiter, products, listings, consumer,
                OrderEvents.open(settings))
