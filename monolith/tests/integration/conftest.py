"""A real PostgreSQL database for the tests that must also hold there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from psycopg import sql
from sqlalchemy.orm import Session

from shop.config import Settings
from shop.db import Database
from shop.manage import alembic_config

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TEST_DATABASE = "test_monolith"


def _recreate_schema() -> None:
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (TEST_DATABASE,)).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))
    with psycopg.connect(POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{TEST_DATABASE}",
                         autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(scope="module")
def postgres_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a freshly migrated ``test_monolith`` database (created when missing)."""
    _recreate_schema()
    data_dir: Path = tmp_path_factory.mktemp("postgres")
    settings = Settings(environment="test", data_dir=data_dir,
                        database_url=f"postgresql://postgres@127.0.0.1:5432/{TEST_DATABASE}")
    command.upgrade(alembic_config(settings), "head")
    yield settings


@pytest.fixture
def postgres_session(postgres_settings: Settings) -> Iterator[Session]:
    """A session on ``test_monolith`` whose work is rolled back when the test ends."""
    database = Database.from_url(postgres_settings.sqlalchemy_url)
    try:
        with database.uow(write=True) as uow:
            yield uow.session
    finally:
        database.dispose()
