"""What one cart write costs: ``python services/cart/scripts/bench_writes.py``.

Runs the cart's repository against a Redis (``REDIS_URL``, default database 14 of the
machine's Redis) from this process alone: ``CARTS`` carts, each written ``ROUNDS`` times
as a shopper's round does (two lines set, then both taken out by a checkout), one write
at a time. Prints, per write, this process's CPU (the client: redis-py and the
repository), the Redis server's own CPU (its ``INFO cpu``) and the wall time. Run it on a
core of its own (``taskset -c 1``) for steady figures; docs/performance.md, "The cart's
writes in one script".
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from cart.db import Database, connect
from cart.repository import CartRepository, cart_key, index_key
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
CARTS = int(os.environ.get("CARTS", "50"))
ROUNDS = int(os.environ.get("ROUNDS", "40"))
PRODUCTS = ("bench-p1", "bench-p2")


async def _server_cpu(client: Redis) -> float:
    info = await client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def main() -> None:
    client = connect(REDIS_URL, timeout_seconds=2)
    carts = CartRepository(Database(redis=client, ttl_seconds=600))
    users = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(CARTS)]
    try:
        for user in users:  # warm up: the script loaded, the connection made
            await carts.set_quantity(user, "bench-warm", 1)
        writes = 0
        cpu, wall, server = time.process_time(), time.perf_counter(), await _server_cpu(client)
        for _ in range(ROUNDS):
            for user in users:
                await carts.set_quantity(user, PRODUCTS[0], 2)
                await carts.set_quantity(user, PRODUCTS[1], 1)
                await carts.take_out(user, {PRODUCTS[0]: 2, PRODUCTS[1]: 1})
                writes += 3
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server = await _server_cpu(client) - server
        print(f"{writes} writes, one at a time: client CPU {1e6 * cpu / writes:.0f} µs, "
              f"Redis CPU {1e6 * server / writes:.0f} µs, wall {1e6 * wall / writes:.0f} µs "
              "per write")
    finally:
        await client.delete(*(cart_key(user) for user in users))
        for product_id in (*PRODUCTS, "bench-warm"):
            await client.zrem(index_key(product_id), *users)
        await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
