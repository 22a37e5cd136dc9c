"""The payments app factory: settings in, a wired app out; nothing happens at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from chassis.fastapi_support import NATIVE_TELEMETRY_OFF, install
from chassis.logs import configure_logging
from chassis.problems import Conflict, ErrorTable, NotFound, Unavailable, ValidationFailed
from chassis.sql import schema_is_current
from chassis.tracing import install_fastapi
from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.concurrency import run_in_threadpool

from payments import api
from payments.api import Deps
from payments.config import Settings
from payments.db import MIGRATIONS, Database
from payments.domain import ChargeNotFound, InvalidCard, NotRefundable

log = logging.getLogger(__name__)


def _database_down(exc: Exception) -> Unavailable:
    log.warning("the payments database is not answering: %s", type(exc).__name__)
    return Unavailable("The payments database is not answering.")


def _invalid_card(exc: InvalidCard) -> ValidationFailed:
    return ValidationFailed([{"field": exc.field_name, "message": exc.message}])


ERRORS: ErrorTable = {
    InvalidCard: _invalid_card,
    ChargeNotFound: lambda exc: NotFound(str(exc)),
    NotRefundable: lambda exc: Conflict(str(exc)),
    OperationalError: _database_down,
    InterfaceError: _database_down,
    PoolTimeoutError: _database_down,
}


def _lifespan(db: Database) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            db.dispose()
    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """The payments app; tests pass ``settings``. The engine connects on first use."""
    settings = settings or Settings()
    configure_logging("payments", settings.log_level)
    db = Database.from_url(settings.sqlalchemy_url)
    app = FastAPI(title="payments", lifespan=_lifespan(db),
                  openapi_url=None, docs_url=None, redoc_url=None,
                  telemetry=NATIVE_TELEMETRY_OFF)
    app.state.deps = Deps(settings=settings, db=db)
    schema_check = schema_is_current(db.engine, MIGRATIONS)

    async def database() -> None:
        await run_in_threadpool(db.ping)

    async def schema() -> None:
        await run_in_threadpool(schema_check)

    install(app, served_by="payments", error_table=ERRORS,
            readiness={"database": database, "schema": schema},
            max_body_bytes=settings.max_body_bytes)
    install_fastapi(app, service="payments", settings=settings)
    app.include_router(api.internal)
    return app
