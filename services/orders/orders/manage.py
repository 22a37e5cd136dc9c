"""One-shot and background commands of the orders service.

    python -m orders.manage init                  migrate, then settle leftovers once
    python -m orders.manage migrate               Alembic upgrade head only
    python -m orders.manage reconcile             settle stale pending orders once

The periodic reconciler is a process of its own: ``python -m orders.reconciler``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from chassis.logs import configure_logging

from orders.app import make_saga
from orders.config import Settings
from orders.db import Database
from orders.reconciler import reconcile_pending

SERVICE_DIR = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    """Alembic's config for this service, pointed at ``url`` (kept out of the ini's
    interpolation, so that a ``%`` in a password is harmless)."""
    config = Config(str(SERVICE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(SERVICE_DIR / "migrations"))
    config.attributes["url"] = url
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def reconcile_once(settings: Settings) -> None:
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        outcomes = reconcile_pending(saga=make_saga(settings, db),
                                     older_than_seconds=settings.reconcile_grace_seconds)
        log.info("reconcile round done", extra={"outcomes": dict(outcomes)})
    finally:
        db.dispose()


def init(settings: Settings) -> None:
    """Everything that must happen once before the app serves."""
    migrate(settings.sqlalchemy_url)
    reconcile_once(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orders.manage")
    parser.add_argument("command", choices=["init", "migrate", "reconcile"])
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("orders", settings.log_level)
    if args.command == "init":
        init(settings)
    elif args.command == "migrate":
        migrate(settings.sqlalchemy_url)
    else:
        reconcile_once(settings)


if __name__ == "__main__":
    main()
