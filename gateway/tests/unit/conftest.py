"""Unit tests: pure functions, plus the rate limiter against a real Redis (db 12)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

TEST_REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(TEST_REDIS_URL)
    yield client
    keys = [key async for key in client.scan_iter("test:gateway:ratelimit:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
