"""Rate limits per client, in fixed one-minute windows shared by every replica in Redis.

The client is the token's verified subject, else the peer address. One Lua
script per request increments the window's counter and sets its expiry
atomically (one round trip). Every answer carries ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset``; over the limit it is a 429
problem with ``Retry-After``. When Redis does not answer, requests go through
(fail open, logged) and Redis is left alone for a second before it is tried again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chassis.fastapi_support import problem_response
from chassis.metrics import RATE_LIMIT_FAIL_OPEN, RATE_LIMITED
from chassis.problems import RateLimited
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import EdgeAuth

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
BACKOFF_SECONDS = 1.0
KEY_PREFIX = "gateway:ratelimit:"

_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"ratelimit-limit", str(self.limit).encode()),
                (b"ratelimit-remaining", str(self.remaining).encode()),
                (b"ratelimit-reset", str(self.reset_seconds).encode())]


class RateLimiter:
    def __init__(self, redis: Redis, *, limit: int, prefix: str = KEY_PREFIX,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.prefix = prefix
        self._clock = clock
        self._increment = redis.register_script(_INCREMENT)
        self._quiet_until = 0.0

    async def hit(self, client: str) -> Verdict:
        """Count one request of ``client`` in the current window."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        if time.monotonic() < self._quiet_until:
            return Verdict(True, self.limit, self.limit, reset)
        try:
            count = int(await self._increment(keys=[f"{self.prefix}{client}:{window}"],
                                              args=[WINDOW_SECONDS + 1]))
        except (RedisError, OSError) as exc:
            self._quiet_until = time.monotonic() + BACKOFF_SECONDS
            RATE_LIMIT_FAIL_OPEN.inc()
            log.warning("rate limiting is off for %.0f s: redis failed: %r", BACKOFF_SECONDS, exc)
            return Verdict(True, self.limit, self.limit, reset)
        return Verdict(count <= self.limit, self.limit, max(0, self.limit - count), reset)


class _Edge(Protocol):
    limiter: RateLimiter | None
    auth: EdgeAuth


EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
CLIENT_KINDS = ("sub", "addr")
for _kind in CLIENT_KINDS:  # exported at zero from the start, for the dashboard
    RATE_LIMITED.labels(_kind)


async def client_key(auth: EdgeAuth, scope: Scope) -> str:
    """The token's verified subject, else the peer address."""
    subject = await auth.subject(scope)
    if subject is not None:
        return f"sub:{subject}"
    peer = scope.get("client")
    return f"addr:{peer[0] if peer else 'unknown'}"


class RateLimitMiddleware:
    """Pure ASGI: counts the request, refuses it over the limit, adds the limit headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        edge: _Edge | None = None
        if scope["type"] == "http" and scope["path"] not in EXEMPT_PATHS:
            edge = scope["app"].state.deps
        if edge is None or edge.limiter is None:
            await self.app(scope, receive, send)
            return
        client = await client_key(edge.auth, scope)
        verdict = await edge.limiter.hit(client)
        extra = verdict.headers()

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        if verdict.allowed:
            await self.app(scope, receive, send_with_limits)
            return
        RATE_LIMITED.labels(client.split(":", 1)[0]).inc()
        refusal = RateLimited(verdict.reset_seconds, "Too many requests; slow down.")
        await problem_response(refusal)(scope, receive, send_with_limits)
