"""The cart store: a pooled Redis client, and how long a cart nobody touches lives."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis


@dataclass(frozen=True)
class Database:
    redis: Redis
    ttl_seconds: int


def connect(url: str, *, timeout_seconds: float) -> Redis:
    """A pooled client; it connects lazily, so making one never blocks."""
    client: Redis = Redis.from_url(url, decode_responses=True, socket_timeout=timeout_seconds,
                                   socket_connect_timeout=timeout_seconds)
    return client
