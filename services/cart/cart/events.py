"""The cart's consumer of ``catalog.events``: a deleted product leaves every cart.

It runs as a task in each web worker (started by the app's lifespan), each
worker a consumer of its own (host and pid) in the consumer group ``cart``, so
every event is handled by one worker. Deletes are rare and cost a few Redis
commands, which does not earn a process, an image entry and a Deployment of
its own; the group spreads the work and survives any worker.

At least once: an entry is acknowledged only after it was handled. A worker
first takes back its own unacknowledged entries, then claims those another
consumer left unacknowledged for ``CLAIM_IDLE_MS`` (a worker that died), then
reads new ones. Handling is idempotent by event id (a marker key, kept as long
as the stream keeps events), and dropping a product's lines twice is harmless.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from typing import Any

from chassis.events import PRODUCT_CHANGED
from chassis.streams import CATALOG_STREAM, DEFAULT_RETENTION_SECONDS
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from cart import service
from cart.db import Database

log = logging.getLogger(__name__)
GROUP = "cart"
DONE_PREFIX = "cart.events.done."
CLAIM_IDLE_MS = 30_000
BLOCK_MS = 2_000
BATCH = 100
BROKER_TIMEOUT_SECONDS = 5.0  # longer than BLOCK_MS: a blocking read is not a timeout
MAX_BACKOFF_SECONDS = 2.0

Entry = tuple[str, dict[str, str]]


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def connect_broker(url: str) -> Redis:
    client: Redis = Redis.from_url(url, decode_responses=True,
                                   socket_timeout=BROKER_TIMEOUT_SECONDS,
                                   socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    return client


async def ensure_group(broker: Redis) -> None:
    """The group, reading the stream from its start (every delete still kept)."""
    try:
        await broker.xgroup_create(CATALOG_STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def handle(db: Database, broker: Redis, entry_id: str, fields: dict[str, str]) -> None:
    """Apply one entry once (by event id), then acknowledge it."""
    done = f"{DONE_PREFIX}{fields.get('id', entry_id)}"
    if fields and not await broker.exists(done):
        try:
            event: dict[str, Any] = json.loads(fields["event"])
        except (KeyError, ValueError):
            log.warning("unreadable catalog event dropped", extra={"entry": entry_id})
        else:
            await _apply(db, event)
        await broker.set(done, "1", ex=DEFAULT_RETENTION_SECONDS)
    await broker.xack(CATALOG_STREAM, GROUP, entry_id)


async def _apply(db: Database, event: dict[str, Any]) -> None:
    data = event.get("data") or {}
    if event.get("type") == PRODUCT_CHANGED and data.get("deleted") is True:
        carts = await service.drop_product(db=db, product_id=str(event["subject"]))
        log.info("a deleted product left the carts",
                 extra={"product_id": event["subject"], "carts": carts})


async def consume_once(*, db: Database, broker: Redis, consumer: str,
                       block_ms: int = BLOCK_MS) -> int:
    """One round: own pending entries, then claimed stale ones, then new; how many handled."""
    entries = await _read(broker, consumer, "0", block_ms=None)
    if not entries:
        _, claimed, *_ = await broker.xautoclaim(CATALOG_STREAM, GROUP, consumer,
                                                 min_idle_time=CLAIM_IDLE_MS, count=BATCH)
        entries = list(claimed)
    if not entries:
        entries = await _read(broker, consumer, ">", block_ms=block_ms)
    for entry_id, fields in entries:
        await handle(db, broker, entry_id, fields)
    return len(entries)


async def _read(broker: Redis, consumer: str, start: str, *,
                block_ms: int | None) -> list[Entry]:
    answer = await broker.xreadgroup(GROUP, consumer, {CATALOG_STREAM: start}, count=BATCH,
                                     block=block_ms)
    # An entry trimmed from the stream since it was read comes back without fields.
    return [(entry_id, fields or {}) for _, entries in answer or []
            for entry_id, fields in entries]


async def run(db: Database, broker: Redis, consumer: str, stopping: asyncio.Event) -> None:
    """Consume until ``stopping`` is set; a broker that is away is retried, never fatal.

    The worker sets ``stopping`` before it cancels the task: redis-py can turn the
    cancellation of a blocking read into a connection error, which must end the loop
    instead of being retried."""
    backoff = 0.0
    while not stopping.is_set():
        try:
            await ensure_group(broker)
            while not stopping.is_set():
                await consume_once(db=db, broker=broker, consumer=consumer)
                backoff = 0.0
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            if stopping.is_set():
                return
            log.warning("catalog events unavailable; retrying: %r", exc)
        except Exception:  # one bad entry must not end the consumer
            if stopping.is_set():
                return
            log.exception("catalog event consumer round failed")
        backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.1)
        await asyncio.sleep(backoff)
