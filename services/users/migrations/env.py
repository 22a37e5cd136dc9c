"""Alembic environment: the URL comes from the caller or from the service's settings."""

from __future__ import annotations

from alembic import context
from users.config import Settings
from users.db import make_engine
from users.models import Base

config = context.config


def run_migrations() -> None:
    url = config.attributes.get("url") or Settings().sqlalchemy_url
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=Base.metadata,
                              render_as_batch=engine.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations()
