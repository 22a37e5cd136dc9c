"""Alembic environment: migrates the connection ``manage init`` hands over, else DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from payments import repository  # noqa: F401 (registers the charges table)
from payments.config import Settings
from payments.db import Base, make_engine


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(Settings().sqlalchemy_url)
    try:
        with engine.begin() as own_connection:
            run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `python -m payments.manage init`")
run_online()
