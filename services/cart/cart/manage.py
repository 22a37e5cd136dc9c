"""One-shot start-up tasks: ``python -m cart.manage init`` before the app serves.

Redis needs no schema, so ``init`` only checks that the store answers; it is
kept so that every deployable starts the same way (init, then gunicorn).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from chassis.logs import configure_logging
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cart.config import Settings
from cart.db import connect

log = logging.getLogger("cart.manage")

# init may run while Redis is still starting: wait for it longer than a request would.
INIT_ATTEMPTS = 30


async def init(settings: Settings) -> None:
    client = connect(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    try:
        for attempt in range(1, INIT_ATTEMPTS + 1):
            try:
                await client.ping()
                break
            except (RedisConnectionError, RedisTimeoutError):
                if attempt == INIT_ATTEMPTS:
                    raise
                await asyncio.sleep(1)
        log.info("cart store answers")
    finally:
        await client.aclose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cart.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="check that the cart store answers")
    parser.parse_args(argv)
    settings = Settings()
    configure_logging("cart", settings.log_level)
    asyncio.run(init(settings))


if __name__ == "__main__":
    main()
