"""Cart lines in Redis: one hash ``cart:{user_id}`` per user, its TTL renewed on each write,
and an index ``cart-product:{product_id}`` of the carts holding each product.

The index is a sorted set of user ids scored by when that entry lapses: every
write of a cart renews the entries of all its lines to the cart's own expiry,
so an entry outlives the line it points to, never the other way round, and
entries of carts that expired fall away when the product's index is next
written. Each write reads the cart under WATCH and then, in one MULTI/EXEC,
writes the cart and its index together and reads back the result, so the cart
answered is the cart as the write left it.

The store knows only quantities; the service prices them at the catalog.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from cart.db import Database
from cart.domain import stored_quantities

# Optimistic attempts at a read-modify-write before giving up (each loses only to a
# concurrent write to the same cart).
WRITE_ATTEMPTS = 5

# What a write does to the cart's hash, given the quantities read: the products it
# leaves in the cart are those whose index entries are renewed.
Change = Callable[[Pipeline, str, Mapping[str, str]], set[str]]


class CartBusy(Exception):
    """The cart changed under every attempt of a read-modify-write."""


def cart_key(user_id: str) -> str:
    return f"cart:{user_id}"


def index_key(product_id: str) -> str:
    return f"cart-product:{product_id}"


def _decoded(quantities: Mapping[Any, Any]) -> Mapping[str, str]:
    """The client decodes responses, so a hash comes back as text."""
    return cast(Mapping[str, str], quantities)


def _quantity(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0  # unreadable: stored_quantities leaves it out too


class CartRepository:
    def __init__(self, db: Database) -> None:
        self.redis = db.redis
        self.ttl_seconds = db.ttl_seconds

    async def get(self, user_id: str) -> dict[str, int]:
        quantities = await self.redis.hgetall(cart_key(user_id))
        return stored_quantities(_decoded(quantities))

    async def set_quantity(self, user_id: str, product_id: str, quantity: int) -> dict[str, int]:
        def change(pipe: Pipeline, key: str, current: Mapping[str, str]) -> set[str]:
            pipe.hset(key, product_id, quantity)
            return {*current, product_id}
        return await self._write(user_id, change)

    async def remove(self, user_id: str, product_id: str) -> dict[str, int]:
        def change(pipe: Pipeline, key: str, current: Mapping[str, str]) -> set[str]:
            pipe.hdel(key, product_id)
            pipe.zrem(index_key(product_id), user_id)
            return set(current) - {product_id}
        return await self._write(user_id, change)

    async def take_out(self, user_id: str, bought: Mapping[str, int]) -> dict[str, int]:
        """Lower each bought product's line by the quantity bought, removing a line that
        reaches zero; lines not bought, and whatever was added since, stay."""
        def change(pipe: Pipeline, key: str, current: Mapping[str, str]) -> set[str]:
            left_in = set(current)
            for product_id, quantity in bought.items():
                if product_id not in current:
                    continue
                left = _quantity(current[product_id]) - quantity
                if left > 0:
                    pipe.hset(key, product_id, left)
                else:
                    pipe.hdel(key, product_id)
                    pipe.zrem(index_key(product_id), user_id)
                    left_in.discard(product_id)
            return left_in
        return await self._write(user_id, change)

    async def clear(self, user_id: str) -> None:
        def change(pipe: Pipeline, key: str, current: Mapping[str, str]) -> set[str]:
            pipe.delete(key)
            for product_id in current:
                pipe.zrem(index_key(product_id), user_id)
            return set()
        await self._write(user_id, change)

    async def drop_product(self, product_id: str) -> int:
        """Take the product out of every cart holding it; how many carts held it."""
        index = index_key(product_id)
        users = await self.redis.zrange(index, 0, -1)
        async with self.redis.pipeline(transaction=True) as pipe:
            for user_id in users:
                pipe.hdel(cart_key(user_id), product_id)
            pipe.delete(index)
            *removed, _ = await pipe.execute()
        return sum(1 for count in removed if count)

    async def _write(self, user_id: str, change: Change) -> dict[str, int]:
        """Read the cart under WATCH, apply ``change`` and renew the cart's TTL and its
        index entries in one MULTI/EXEC; a concurrent write to the cart retries."""
        key = cart_key(user_id)
        for _ in range(WRITE_ATTEMPTS):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    current = _decoded(await pipe.hgetall(key))
                    pipe.multi()
                    kept = change(pipe, key, current)
                    pipe.expire(key, self.ttl_seconds)
                    self._renew_index(pipe, user_id, kept)
                    pipe.hgetall(key)
                    *_, quantities = await pipe.execute()
                except WatchError:
                    continue
            return stored_quantities(_decoded(quantities))
        raise CartBusy(user_id)

    def _renew_index(self, pipe: Pipeline, user_id: str, product_ids: set[str]) -> None:
        now = time.time()
        for product_id in sorted(product_ids):
            index = index_key(product_id)
            pipe.zremrangebyscore(index, "-inf", now)  # entries of carts that expired
            pipe.zadd(index, {user_id: now + self.ttl_seconds})
            pipe.expire(index, self.ttl_seconds)
