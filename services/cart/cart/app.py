"""The cart's app factory: the Redis client lives in the lifespan, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
from chassis.fastapi_support import NATIVE_TELEMETRY_OFF, install
from chassis.jwks import JwksVerifier
from chassis.logs import configure_logging
from chassis.outbound import AsyncServiceClient
from chassis.pool_metrics import watch_redis_pool
from chassis.problems import ErrorTable, NotFound, Unavailable, ValidationFailed
from chassis.tokens import TokenVerifier
from chassis.tracing import install_fastapi
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cart import api, events
from cart.api import Deps
from cart.catalog import ProductCatalog
from cart.config import Settings
from cart.db import Database, connect
from cart.domain import InvalidQuantity, ProductNotFound
from cart.product_copies import ProductCopies, VersionReader

log = logging.getLogger(__name__)


def _redis_down(exc: Exception) -> Unavailable:
    log.warning("Redis is not answering: %s", type(exc).__name__)
    return Unavailable("The cart store is not answering.")


ERRORS: ErrorTable = {
    InvalidQuantity: lambda exc: ValidationFailed([{"field": "quantity", "message": str(exc)}]),
    RedisConnectionError: _redis_down,
    RedisTimeoutError: _redis_down,
    ProductNotFound: lambda _exc: NotFound("No such product."),
}


def _lifespan(settings: Settings, verifier: TokenVerifier | JwksVerifier,
              catalog_transport: httpx.AsyncBaseTransport | None,
              ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made here, in each worker, not at import: clients belong to the worker's loop.
        redis = connect(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
        watch_redis_pool(redis, "redis")  # the pool's gauges (chassis.pool_metrics)
        catalog = ProductCatalog(AsyncServiceClient(
            "catalog", settings.catalog_url, timeout=settings.catalog_timeout_seconds,
            internal_token=settings.token_for("catalog"), transport=catalog_transport),
            versions=_version_reader(settings),
            copies=ProductCopies(ttl_seconds=settings.catalog_copy_seconds,
                                 max_entries=settings.catalog_copy_entries))
        db = Database(redis=redis, ttl_seconds=settings.cart_ttl_seconds)
        app.state.deps = Deps(settings=settings, db=db, catalog=catalog, verifier=verifier)
        try:
            async with _catalog_events(settings, db):
                yield
        finally:
            await catalog.aclose()
            await redis.aclose()
    return lifespan


def _version_reader(settings: Settings) -> VersionReader | None:
    """The reader of the catalog's products version, which says which copies are current;
    none without a broker or with CATALOG_COPY_SECONDS=0 (so no copy is used)."""
    if not settings.events_redis_url or settings.catalog_copy_seconds <= 0:
        return None
    return VersionReader(connect(settings.events_redis_url,
                                 timeout_seconds=settings.version_timeout_seconds))


@asynccontextmanager
async def _catalog_events(settings: Settings, db: Database) -> AsyncIterator[None]:
    """This worker's consumer of catalog.events, for as long as the worker serves."""
    if not settings.events_redis_url:
        yield
        return
    broker = events.connect_broker(settings.events_redis_url)
    stopping = asyncio.Event()
    task = asyncio.create_task(events.run(db, broker, events.consumer_name(), stopping))
    try:
        yield
    finally:
        stopping.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await broker.aclose()


def create_app(settings: Settings | None = None, *,
               verifier: TokenVerifier | JwksVerifier | None = None,
               catalog_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The cart app; tests pass ``settings`` and may pass a ``verifier`` and a transport
    to the catalog of their own."""
    settings = settings or Settings()
    configure_logging("cart", settings.log_level)
    verifier = verifier or JwksVerifier(
        settings.jwks_url, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    app = FastAPI(title="cart", lifespan=_lifespan(settings, verifier, catalog_transport),
                  openapi_url=None, docs_url=None, redoc_url=None,
                  telemetry=NATIVE_TELEMETRY_OFF)

    async def redis() -> None:
        await app.state.deps.db.redis.ping()

    install(app, served_by="cart", error_table=ERRORS, readiness={"redis": redis},
            max_body_bytes=settings.max_body_bytes)
    install_fastapi(app, service="cart", settings=settings)
    app.include_router(api.public)
    app.include_router(api.internal)
    return app
