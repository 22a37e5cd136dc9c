"""``GET /api/orders/events``: the caller's order events from the broker, as SSE.

Each stream reads its caller's own Redis stream (``orders.events.user.<id>``, see
:mod:`chassis.streams`) with ``XREAD BLOCK`` in the event loop, so an open
stream holds no worker, only a coroutine and a broker connection while it waits.
The position is fixed before the response starts: a client that has the
headers misses nothing published after them. ``Last-Event-ID`` resumes after that
event's entry (an id no longer kept replays what is kept: nothing is missed),
and the read goes on from stream ids, so nothing comes twice. A broker that
goes away costs comments until it is back; the position is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from chassis.pool_metrics import watch_redis_pool
from chassis.problems import Unavailable
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from chassis import streams
from gateway import sse
from gateway.config import Settings

log = logging.getLogger(__name__)
PATH = "/api/orders/events"
START = "0-0"
SCAN_PAGE = 200
READ_COUNT = 100
# Broker connections beyond one per open stream: the lookups of streams being opened.
SPARE_CONNECTIONS = 16


@dataclass
class OrderEvents:
    """The broker client of the live streams and how many are open in this worker."""

    redis: Redis
    heartbeat_seconds: float
    max_streams: int
    open_streams: int = field(default=0)

    @classmethod
    def open(cls, settings: Settings) -> OrderEvents:
        heartbeat = settings.sse_heartbeat_seconds
        cap = settings.sse_max_streams_per_worker
        # Each open stream holds a connection in XREAD BLOCK: the pool must hold as many as
        # the cap lets open (redis-py's default pool stops at 100, and the streams past it
        # were refused as if the broker were down).
        redis = Redis.from_url(settings.events_redis_url or settings.redis_url,
                               socket_timeout=heartbeat + 5, socket_connect_timeout=1.0,
                               max_connections=cap + SPARE_CONNECTIONS)
        watch_redis_pool(redis, "redis-events")
        return cls(redis, heartbeat, cap)

    async def aclose(self) -> None:
        await self.redis.aclose()

    async def position(self, stream: str, after_event: str | None) -> str:
        """The stream id to read after: ``after_event``'s entry, else the newest one now."""
        if after_event is None:
            newest = await self.redis.xrevrange(stream, count=1)
            return newest[0][0].decode() if newest else START
        cursor = "-"
        while True:
            page = await self.redis.xrange(stream, min=cursor, count=SCAN_PAGE)
            for entry_id, fields in page:
                if fields.get(b"id", b"").decode() == after_event:
                    return str(entry_id.decode())
            if len(page) < SCAN_PAGE:
                return START  # not kept (or not this caller's): replay what is kept
            cursor = "(" + page[-1][0].decode()

    async def messages(self, stream: str, position: str) -> AsyncIterator[str]:
        self.open_streams += 1
        try:
            yield sse.comment("stream open")
            beat = time.monotonic()
            while True:
                wait = max(0.0, beat + self.heartbeat_seconds - time.monotonic())
                try:
                    found = await self.redis.xread({stream: position}, count=READ_COUNT,
                                                   block=max(1, int(wait * 1000)))
                except (RedisError, OSError) as exc:
                    log.warning("event broker unavailable: %r", exc)
                    await asyncio.sleep(min(1.0, wait))
                    found = []
                for _name, entries in found:
                    for entry_id, fields in entries:
                        position = entry_id.decode()
                        yield sse.message(streams.decode(fields))
                if time.monotonic() - beat >= self.heartbeat_seconds:
                    yield sse.comment("keep-alive")
                    beat = time.monotonic()
        finally:
            self.open_streams -= 1


async def order_events(request: Request) -> Response:
    """Token required (401 problem otherwise); 503 past the worker's cap of open streams."""
    claims = await request.app.state.deps.auth.claims(request.scope)
    hub: OrderEvents = request.app.state.deps.order_events
    if hub.open_streams >= hub.max_streams:
        raise Unavailable("Too many event streams are open; try again shortly.", retry_after=5)
    stream = streams.user_stream(claims.subject)
    try:
        position = await hub.position(stream, sse.last_event_id(
            request.headers.get("last-event-id")))
    except (RedisError, OSError) as exc:
        raise Unavailable("The event broker is not answering.") from exc
    return StreamingResponse(hub.messages(stream, position), media_type=sse.MEDIA_TYPE,
                             headers=sse.HEADERS)


def event_routes() -> list[Route]:
    return [Route(PATH, order_events, methods=["GET"])]
