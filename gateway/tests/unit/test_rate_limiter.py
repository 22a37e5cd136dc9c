"""The fixed-window limiter against a real Redis (db 12)."""

from __future__ import annotations

import logging

import pytest
from gateway.ratelimit import RateLimiter
from redis.asyncio import Redis

pytestmark = pytest.mark.anyio

PREFIX = "test:gateway:ratelimit:"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_requests_count_down_to_the_limit_then_are_refused(redis: Redis) -> None:
    limiter = RateLimiter(redis, limit=2, prefix=PREFIX, clock=Clock(6_000_000_015.0))

    verdicts = [await limiter.hit("addr:1") for _ in range(3)]

    assert [v.allowed for v in verdicts] == [True, True, False]
    assert [v.remaining for v in verdicts] == [1, 0, 0]
    assert {v.reset_seconds for v in verdicts} == {45}


async def test_clients_are_counted_apart(redis: Redis) -> None:
    limiter = RateLimiter(redis, limit=1, prefix=PREFIX, clock=Clock(6_000_000_000.0))

    assert (await limiter.hit("sub:a")).allowed
    assert (await limiter.hit("sub:b")).allowed
    assert not (await limiter.hit("sub:a")).allowed


async def test_a_new_minute_starts_a_new_count(redis: Redis) -> None:
    clock = Clock(6_000_000_059.5)
    limiter = RateLimiter(redis, limit=1, prefix=PREFIX, clock=clock)
    await limiter.hit("addr:2")

    clock.now += 1
    verdict = await limiter.hit("addr:2")

    assert verdict.allowed and verdict.reset_seconds == 60


async def test_counters_expire_on_their_own(redis: Redis) -> None:
    limiter = RateLimiter(redis, limit=5, prefix=PREFIX, clock=Clock(6_000_000_000.0))
    await limiter.hit("addr:3")

    ttl = await redis.ttl(f"{PREFIX}addr:3:100000000")

    assert 0 < ttl <= 61


async def test_the_headers_name_limit_remaining_and_reset(redis: Redis) -> None:
    limiter = RateLimiter(redis, limit=10, prefix=PREFIX, clock=Clock(6_000_000_000.0))

    headers = dict((await limiter.hit("addr:4")).headers())

    assert headers == {b"ratelimit-limit": b"10", b"ratelimit-remaining": b"9",
                       b"ratelimit-reset": b"60"}


async def test_a_redis_that_does_not_answer_fails_open_and_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RateLimiter(dead, limit=1, prefix=PREFIX)
    try:
        with caplog.at_level(logging.WARNING, logger="gateway.ratelimit"):
            verdicts = [await limiter.hit("addr:5") for _ in range(3)]
    finally:
        await dead.aclose()

    assert all(v.allowed for v in verdicts)
    assert [r.getMessage() for r in caplog.records if r.name == "gateway.ratelimit"][0].startswith(
        "rate limiting is off")
    assert len([r for r in caplog.records if r.name == "gateway.ratelimit"]) == 1
