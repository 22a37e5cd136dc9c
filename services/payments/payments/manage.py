"""One-shot start-up tasks: ``python -m payments.manage init`` before the app serves.

``init`` brings the schema to the newest Alembic revision. It runs once per
deployment (launcher, compose, a Kubernetes init container), never from each worker.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from alembic import command
from alembic.config import Config
from chassis.logs import configure_logging

from payments.config import Settings
from payments.db import MIGRATIONS, make_engine

log = logging.getLogger("payments.manage")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def init(settings: Settings) -> None:
    """Upgrade the schema to the newest revision (a no-op when it is there already)."""
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    log.info("payments database at the newest revision")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m payments.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate the database to the newest revision")
    parser.parse_args(argv)
    settings = Settings()
    configure_logging("payments", settings.log_level)
    init(settings)


if __name__ == "__main__":
    main()
