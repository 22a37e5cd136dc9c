"""Fixtures for the payments tests: a migrated SQLite file per test by default.

``integration/`` runs its tests on PostgreSQL (database ``test_payments_svc``,
created when missing) as well as on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from payments.app import create_app
from payments.config import Settings
from payments.db import Database, make_engine
from payments.manage import init
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

# The token of the one caller of its internal routes, the orders service.
ORDERS_TOKEN = "test-orders-token"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "test_payments_svc"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The payments test database on the local PostgreSQL, migrated from scratch once."""
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (POSTGRES_DATABASE,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{POSTGRES_DATABASE}"')
    url = f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS charges, alembic_version")
    init(Settings(environment="test", database_url=url, orders_caller_token=ORDERS_TOKEN))
    return url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh SQLite database under the test's own data directory, migrated."""
    settings = Settings(environment="test", data_dir=tmp_path, orders_caller_token=ORDERS_TOKEN)
    init(settings)
    return settings


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.sqlalchemy_url)
    yield engine
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM charges"))
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            yield session
        finally:
            session.close()
            if transaction.is_active:  # a failed flush has rolled it back already
                transaction.rollback()


@pytest.fixture
def db(engine: Engine) -> Database:
    """The app's kind of database (chassis.sql) over the test's engine."""
    return Database(engine)


@pytest.fixture
def internal() -> dict[str, str]:
    return {"X-Internal-Token": ORDERS_TOKEN}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client wired to the app in-process, with the app's lifespan running."""
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://payments.test") as test_client:
        yield test_client
