"""One-shot commands: ``python -m gateway.manage init``.

The gateway owns no schema (its Redis counters expire on their own), so init
only proves that the settings load (refusing development secrets in
production) and that the contract document it serves parses.
"""

from __future__ import annotations

import argparse
import logging

from chassis.logs import configure_logging

from gateway.config import Settings
from gateway.openapi import ContractDocument, find_contract

log = logging.getLogger(__name__)


def init(settings: Settings) -> None:
    """Everything that must happen once before the gateway serves."""
    contract = ContractDocument(find_contract(settings.openapi_path))
    paths = len(contract.document.get("paths", {}))
    log.info("gateway initialised", extra={"contract": str(contract.path), "paths": paths})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.manage")
    parser.add_argument("command", choices=["init"])
    parser.parse_args(argv)
    settings = Settings()
    configure_logging("gateway", settings.log_level)
    init(settings)


if __name__ == "__main__":
    main()
