"""The catalog's app factory: the MongoDB client lives in the lifespan, nothing at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict

from chassis.fastapi_support import NATIVE_TELEMETRY_OFF, install
from chassis.jwks import JwksVerifier
from chassis.logs import configure_logging
from chassis.problems import Conflict, ErrorTable, NotFound, OutOfStockProblem, Unavailable
from chassis.tokens import TokenVerifier
from chassis.tracing import install_fastapi
from fastapi import FastAPI
from pymongo.errors import ConnectionFailure
from starlette.concurrency import run_in_threadpool

from catalog import api
from catalog.api import Deps
from catalog.config import Settings
from catalog.db import connect
from catalog.domain import (
    DuplicateSku,
    OutOfStock,
    ProductNotFound,
    ReservationConflict,
    ReservationNotFound,
)
from catalog.versions import ProductsVersion

log = logging.getLogger(__name__)


def _database_down(exc: Exception) -> Unavailable:
    log.warning("MongoDB is not answering: %s", type(exc).__name__)
    return Unavailable("The catalog's database is not answering.")


def _out_of_stock(exc: OutOfStock) -> OutOfStockProblem:
    return OutOfStockProblem([asdict(shortage) for shortage in exc.shortages])


ERRORS: ErrorTable = {
    ProductNotFound: lambda exc: NotFound(str(exc)),
    ReservationNotFound: lambda exc: NotFound(str(exc)),
    DuplicateSku: lambda exc: Conflict(str(exc)),
    ReservationConflict: lambda exc: Conflict(str(exc)),
    OutOfStock: _out_of_stock,
    ConnectionFailure: _database_down,
}


def _lifespan(settings: Settings, verifier: TokenVerifier | JwksVerifier,
              ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made here, in each worker, not at import: a client must not cross a fork.
        client = connect(settings.mongodb_url, timeout_ms=settings.mongodb_timeout_ms)
        products_version = ProductsVersion.connect(settings.events_redis_url)
        app.state.deps = Deps(settings=settings, db=client[settings.mongodb_database],
                              verifier=verifier, products_version=products_version)
        try:
            yield
        finally:
            products_version.close()
            client.close()
    return lifespan


def create_app(settings: Settings | None = None, *,
               verifier: TokenVerifier | JwksVerifier | None = None) -> FastAPI:
    """The catalog app; tests pass ``settings`` and may pass a ``verifier`` of their own."""
    settings = settings or Settings()
    configure_logging("catalog", settings.log_level)
    verifier = verifier or JwksVerifier(
        settings.jwks_url, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    app = FastAPI(title="catalog", lifespan=_lifespan(settings, verifier),
                  openapi_url=None, docs_url=None, redoc_url=None,
                  telemetry=NATIVE_TELEMETRY_OFF)

    async def mongodb() -> None:
        await run_in_threadpool(app.state.deps.db.command, "ping")

    install(app, served_by="catalog", error_table=ERRORS, readiness={"mongodb": mongodb},
            max_body_bytes=settings.max_body_bytes)
    install_fastapi(app, service="catalog", settings=settings)
    app.include_router(api.public)
    app.include_router(api.internal)
    return app
