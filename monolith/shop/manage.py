"""One-shot start-up work, run once before the app serves: ``python -m shop.manage init``.

Migrates the schema to the latest revision, makes sure the administrator
account matches ADMIN_EMAIL/ADMIN_PASSWORD, and loads the seed catalog into
an empty products table. Every step is safe to repeat.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from chassis.logs import configure_logging

from shop.auth import service as auth
from shop.catalog import service as catalog
from shop.catalog.domain import NewProduct
from shop.catalog.schemas import ProductCreate
from shop.config import Settings
from shop.db import Database

log = logging.getLogger("shop.manage")

MONOLITH_DIR = Path(__file__).resolve().parents[1]


def alembic_config(settings: Settings) -> Config:
    config = Config(str(MONOLITH_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MONOLITH_DIR / "migrations"))
    config.attributes["url"] = settings.sqlalchemy_url
    return config


def read_seed(path: Path) -> list[NewProduct]:
    """The products of a seed file ``{"products": [...]}``, each validated like a POST."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [ProductCreate.model_validate(item, strict=True).to_domain()
            for item in document["products"]]


def init(settings: Settings) -> None:
    command.upgrade(alembic_config(settings), "head")
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        auth.ensure_admin(db=db, email=settings.admin_email,
                          password=settings.admin_password.get_secret_value())
        log.info("administrator account ready")
        if settings.seed_file.is_file():
            loaded = catalog.load_seed(db=db, products=read_seed(settings.seed_file))
            log.info("seed catalog: %d products loaded", loaded)
        else:
            log.warning("seed file %s not found; catalog left as it is", settings.seed_file)
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shop.manage")
    parser.add_argument("command", choices=["init"])
    parser.parse_args(argv)
    settings = Settings()
    configure_logging("monolith", settings.log_level)
    init(settings)


if __name__ == "__main__":
    main()
