"""The Redis pool's gauges follow the connections taken from it and given back, for the
sync and the asyncio client alike."""

from __future__ import annotations

import asyncio
import uuid

import fakeredis
from chassis.pool_metrics import watch_redis_pool
from prometheus_client import REGISTRY


def gauge(pool: str, state: str) -> float:
    return REGISTRY.get_sample_value("db_pool_connections", {"pool": pool, "state": state})


def test_a_sync_pool_counts_in_use_idle_and_open_connections() -> None:
    pool = f"redis-{uuid.uuid4().hex[:6]}"
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    watch_redis_pool(client, pool)
    assert (gauge(pool, "in_use"), gauge(pool, "idle"), gauge(pool, "open")) == (0, 0, 0)
    assert REGISTRY.get_sample_value("db_pool_max_connections", {"pool": pool}) == \
        client.connection_pool.max_connections
    with client.pipeline() as pipe:  # holds its connection until the pipeline ends
        pipe.set("k", "v").get("k").execute()
        pipe.watch("k")
        assert gauge(pool, "in_use") == 1
    assert (gauge(pool, "in_use"), gauge(pool, "idle"), gauge(pool, "open")) == (0, 1, 1)
    client.connection_pool.disconnect()
    client.get("k")
    assert gauge(pool, "open") == 1


def test_an_asyncio_pool_counts_its_connections_too() -> None:
    pool = f"redis-{uuid.uuid4().hex[:6]}"

    async def scenario() -> tuple[float, float, float]:
        client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer())
        watch_redis_pool(client, pool)
        await asyncio.gather(*(client.set(f"k{i}", i) for i in range(3)))
        during = gauge(pool, "open")
        await client.connection_pool.disconnect()
        return during, gauge(pool, "in_use"), gauge(pool, "idle")

    opened, in_use, idle = asyncio.run(scenario())
    assert opened >= 1 and in_use == 0
    assert idle == 0  # disconnected: none left open
