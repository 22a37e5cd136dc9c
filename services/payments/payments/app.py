"""The payments app factory: the SQLAlchemy engine lives in the lifespan, nothing at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from chassis.fastapi_support import install
from chassis.logs import configure_logging
from chassis.problems import Conflict, ErrorTable, NotFound, Unavailable, ValidationFailed
from chassis.sql import schema_is_current
from chassis.tracing import install_fastapi
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool

from payments import api
from payments.config import Settings
from payments.domain import ChargeNotFound, InvalidCard, RefundNotAllowed
from payments.manage import MIGRATIONS
from payments.repository import SqlUnitOfWork, make_engine

log = logging.getLogger(__name__)


def _database_down(exc: Exception) -> Unavailable:
    log.warning("the payments database is not answering: %s", type(exc).__name__)
    return Unavailable("The payments database is not answering.")


def _invalid_card(exc: InvalidCard) -> ValidationFailed:
    return ValidationFailed([{"field": exc.field_name, "message": exc.message}])


ERRORS: ErrorTable = {
    InvalidCard: _invalid_card,
    ChargeNotFound: lambda exc: NotFound(str(exc)),
    RefundNotAllowed: lambda exc: Conflict(str(exc)),
    OperationalError: _database_down,
    PoolTimeoutError: _database_down,
}


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.sqlalchemy_url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        app.state.engine = engine
        app.state.schema_is_current = schema_is_current(engine, MIGRATIONS)
        app.state.unit_of_work = lambda: SqlUnitOfWork(sessions)
        try:
            yield
        finally:
            engine.dispose()
    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """The payments app; tests pass ``settings``."""
    settings = settings or Settings()
    configure_logging("payments", settings.log_level)
    app = FastAPI(title="payments", lifespan=_lifespan(settings),
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings

    def select_one() -> None:
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def database() -> None:
        await run_in_threadpool(select_one)

    async def schema() -> None:
        await run_in_threadpool(app.state.schema_is_current)

    install(app, served_by="payments", error_table=ERRORS,
            readiness={"database": database, "schema": schema},
            max_body_bytes=settings.max_body_bytes)
    install_fastapi(app, service="payments", settings=settings)
    app.include_router(api.internal)
    return app
