"""One-shot start-up tasks: ``python -m catalog.manage init`` before the app serves.

``init`` creates the indexes and loads the seed file into an empty catalog. It
runs once per deployment (launcher, compose, a Kubernetes init container),
never from each worker.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from chassis.logs import configure_logging
from chassis.validation import validate_body

from catalog import service
from catalog.config import Settings
from catalog.db import connect
from catalog.domain import NewProduct
from catalog.repository import ProductRepository, ReservationRepository
from catalog.schemas import ProductCreate

log = logging.getLogger("catalog.manage")

# init may run while MongoDB is still starting: wait for it longer than a request would.
INIT_TIMEOUT_MS = 30_000


def read_seed(path: Path) -> list[NewProduct]:
    """The products of a seed file ``{"products": [...]}``, each validated like a POST."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [validate_body(ProductCreate, json.dumps(item)).to_domain()
            for item in document["products"]]


def init(settings: Settings) -> None:
    client = connect(settings.mongodb_url, timeout_ms=INIT_TIMEOUT_MS)
    try:
        database = client[settings.mongodb_database]
        products = ProductRepository(database)
        products.ensure_indexes()
        ReservationRepository(database).ensure_indexes()
        if settings.seed_file is None or not settings.seed_file.is_file():
            log.warning("no seed file (SEED_FILE=%s); the catalog is left as it is",
                        settings.seed_file or "")
            return
        seeded = service.load_seed(db=database, products=read_seed(settings.seed_file))
        log.info("catalog initialised", extra={"seeded_products": seeded})
    finally:
        client.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m catalog.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create indexes and seed an empty catalog")
    parser.parse_args(argv)
    settings = Settings()
    configure_logging("catalog", settings.log_level)
    init(settings)


if __name__ == "__main__":
    main()
