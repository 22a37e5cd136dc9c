"""Alembic environment: the app's own engine (SQLite pragmas included) and metadata."""

from __future__ import annotations

from alembic import context

from shop.config import Settings
from shop.db import make_engine
from shop.models import metadata


def _url() -> str:
    return context.config.attributes.get("url") or Settings().sqlalchemy_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            # Batch mode lets ALTERs run on SQLite, which rebuilds tables for them.
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
