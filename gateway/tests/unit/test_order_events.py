"""The live order stream's reader against a real Redis (db 12): where a stream starts,
where Last-Event-ID resumes, heartbeats, and a broker that goes away."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from gateway.events import OrderEvents
from redis.asyncio import Redis

pytestmark = pytest.mark.anyio


@pytest.fixture
async def stream(redis: Redis) -> AsyncIterator[str]:
    key = f"test:gateway:events:{uuid.uuid4().hex}"
    yield key
    await redis.delete(key)


def hub(redis: Redis, heartbeat: float = 0.2) -> OrderEvents:
    return OrderEvents(redis, heartbeat_seconds=heartbeat, max_streams=10)


async def add(redis: Redis, stream: str, event_id: str) -> None:
    event = {"id": event_id, "type": "order.created", "subject": "o"}
    await redis.xadd(stream, {"id": event_id, "type": "order.created",
                              "event": json.dumps(event)})


async def next_messages(messages: AsyncIterator[str], count: int) -> list[str]:
    found = []
    async for chunk in messages:
        if not chunk.startswith(":"):
            found.append(chunk)
            if len(found) == count:
                return found
    raise AssertionError("the stream ended")


def ids(chunks: list[str]) -> list[str]:
    return [chunk.split("\n")[0].removeprefix("id: ") for chunk in chunks]


async def test_a_new_stream_starts_after_what_is_there_when_it_opens(
        redis: Redis, stream: str) -> None:
    await add(redis, stream, "old")
    events = hub(redis)
    messages = events.messages(stream, await events.position(stream, None))
    await add(redis, stream, "new")

    assert ids(await next_messages(messages, 1)) == ["new"]
    await messages.aclose()
    assert events.open_streams == 0


async def test_last_event_id_resumes_right_after_that_event(redis: Redis, stream: str) -> None:
    for event_id in ("a", "b", "c"):
        await add(redis, stream, event_id)
    events = hub(redis)

    messages = events.messages(stream, await events.position(stream, "b"))

    assert ids(await next_messages(messages, 1)) == ["c"]
    await messages.aclose()


async def test_an_unknown_last_event_id_replays_everything_kept(redis: Redis,
                                                                stream: str) -> None:
    for event_id in ("a", "b"):
        await add(redis, stream, event_id)
    events = hub(redis)

    messages = events.messages(stream, await events.position(stream, "gone"))

    assert ids(await next_messages(messages, 2)) == ["a", "b"]
    await messages.aclose()


async def test_a_quiet_stream_sends_comments_each_heartbeat(redis: Redis, stream: str) -> None:
    events = hub(redis, heartbeat=0.05)
    messages = events.messages(stream, "0-0")

    chunks = [await anext(messages) for _ in range(3)]

    assert chunks == [": stream open\n\n", ": keep-alive\n\n", ": keep-alive\n\n"]
    await messages.aclose()


async def test_a_broker_that_is_away_costs_comments_not_the_stream() -> None:
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.1)
    messages = hub(away, heartbeat=0.05).messages("nowhere", "0-0")

    chunks = [await anext(messages) for _ in range(3)]

    assert chunks[1:] == [": keep-alive\n\n", ": keep-alive\n\n"]
    await messages.aclose()
    await away.aclose()


async def test_more_streams_than_redis_pys_default_pool_all_get_their_events(
        redis: Redis) -> None:
    """redis-py's pool stops at 100 connections, and each open stream holds one in XREAD
    BLOCK: the hub's pool is sized from the cap, so stream 101 and on are served too."""
    import asyncio

    from gateway.config import Settings

    from .conftest import TEST_REDIS_URL

    count = 120
    events = OrderEvents.open(Settings(events_redis_url=TEST_REDIS_URL,
                                       sse_heartbeat_seconds=5.0,
                                       sse_max_streams_per_worker=count))
    keys = [f"test:gateway:events:{uuid.uuid4().hex}" for _ in range(count)]
    streams = [events.messages(key, await events.position(key, None)) for key in keys]
    try:
        for messages in streams:
            assert (await anext(messages)).startswith(": stream open")
        readers = [asyncio.ensure_future(next_messages(m, 1)) for m in streams]
        await asyncio.sleep(0.5)  # every reader in its XREAD BLOCK
        for key in keys:
            await add(redis, key, f"event-{key[-6:]}")
        delivered = await asyncio.wait_for(asyncio.gather(*readers), 3.0)
        assert [ids(chunks) for chunks in delivered] == [[f"event-{k[-6:]}"] for k in keys]
    finally:
        for messages in streams:
            await messages.aclose()
        await redis.delete(*keys)
        await events.aclose()
