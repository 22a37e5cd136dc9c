"""One-shot commands: ``python -m users.manage init`` migrates and ensures the admin account."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from chassis.logs import configure_logging

from users import service
from users.config import Settings
from users.db import Database

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


def init(settings: Settings) -> None:
    """Everything that must happen once before the app serves."""
    migrate(settings.sqlalchemy_url)
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        admin = service.ensure_admin(db=db, email=settings.admin_email,
                                     password=settings.admin_password.get_secret_value())
    finally:
        db.dispose()
    log.info("users initialised", extra={"admin_id": admin.id})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m users.manage")
    parser.add_argument("command", choices=["init", "migrate"])
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("users", settings.log_level)
    if args.command == "init":
        init(settings)
    else:
        migrate(settings.sqlalchemy_url)


if __name__ == "__main__":
    main()
