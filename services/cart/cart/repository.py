"""Cart lines in Redis: one hash ``cart:{user_id}`` per user, its TTL renewed on each write.

Each write runs in a MULTI/EXEC transaction together with the read of the
result, so the cart answered is the cart as the write left it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from redis.exceptions import WatchError

from cart.db import Database
from cart.domain import Cart

# Optimistic attempts at a read-modify-write before giving up (each loses only to a
# concurrent write to the same cart).
REMOVE_ATTEMPTS = 5


class CartBusy(Exception):
    """The cart changed under every attempt of a read-modify-write."""


def cart_key(user_id: str) -> str:
    return f"cart:{user_id}"


def _decoded(quantities: Mapping[Any, Any]) -> Mapping[str, str]:
    """The client decodes responses, so a hash comes back as text."""
    return cast(Mapping[str, str], quantities)


def _quantity(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0  # unreadable: Cart.from_quantities leaves it out too


class CartRepository:
    def __init__(self, db: Database) -> None:
        self.redis = db.redis
        self.ttl_seconds = db.ttl_seconds

    async def get(self, user_id: str) -> Cart:
        quantities = await self.redis.hgetall(cart_key(user_id))
        return Cart.from_quantities(_decoded(quantities))

    async def set_quantity(self, user_id: str, product_id: str, quantity: int) -> Cart:
        key = cart_key(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, product_id, quantity)
            pipe.expire(key, self.ttl_seconds)
            pipe.hgetall(key)
            *_, quantities = await pipe.execute()
        return Cart.from_quantities(_decoded(quantities))

    async def remove(self, user_id: str, product_id: str) -> Cart:
        key = cart_key(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(key, product_id)
            pipe.expire(key, self.ttl_seconds)
            pipe.hgetall(key)
            *_, quantities = await pipe.execute()
        return Cart.from_quantities(_decoded(quantities))

    async def take_out(self, user_id: str, bought: Mapping[str, int]) -> Cart:
        """Lower each bought product's line by the quantity bought, removing a line that
        reaches zero; lines not bought, and whatever was added since, stay. WATCH makes
        the read and the write one step: a concurrent write to the cart retries."""
        key = cart_key(user_id)
        for _ in range(REMOVE_ATTEMPTS):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    current = _decoded(await pipe.hgetall(key))
                    pipe.multi()
                    for product_id, quantity in bought.items():
                        if product_id not in current:
                            continue
                        left = _quantity(current[product_id]) - quantity
                        if left > 0:
                            pipe.hset(key, product_id, left)
                        else:
                            pipe.hdel(key, product_id)
                    pipe.expire(key, self.ttl_seconds)
                    pipe.hgetall(key)
                    *_, quantities = await pipe.execute()
                except WatchError:
                    continue
            return Cart.from_quantities(_decoded(quantities))
        raise CartBusy(user_id)

    async def clear(self, user_id: str) -> None:
        await self.redis.delete(cart_key(user_id))
