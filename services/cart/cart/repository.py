"""Cart lines in Redis: one hash ``cart:{user_id}`` per user, its TTL renewed on each write,
and an index ``cart-product:{product_id}`` of the carts holding each product.

The index is a sorted set of user ids scored by when that entry lapses: every
write of a cart renews the entries of all its lines to the cart's own expiry,
so an entry outlives the line it points to, never the other way round, and
entries of carts that expired fall away when the product's index is next
written. Each write is one Lua script (:data:`WRITE`), which Redis runs whole
before any other command: it reads the cart, changes it, renews the cart's TTL
and its index entries, and answers the cart as the write left it, in one round
trip, so that no write is lost to another of the same cart and none has to be
tried again. (It reaches the index keys of the lines it reads, which a script
can do on one Redis server, not across a cluster's slots.)

The store knows only quantities; the service prices them at the catalog.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast

from cart.db import Database
from cart.domain import stored_quantities

CART_PREFIX = "cart:"
INDEX_PREFIX = "cart-product:"

# KEYS[1]: the cart's hash. ARGV: the TTL in seconds, the time now, the user id, the
# index keys' prefix, the change, then the change's arguments:
#   set     product id, quantity     the line's quantity, replaced
#   remove  product id               the line taken out (there or not)
#   take    product id, quantity...  each line there lowered by its quantity, gone at zero
#   clear                            every line taken out
WRITE = """
local cart, ttl, now, user, prefix, change = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
    ARGV[3], ARGV[4], ARGV[5]
local lines = {}
local stored = redis.call('HGETALL', cart)
for i = 1, #stored, 2 do lines[stored[i]] = stored[i + 1] end
local function drop(product)
  redis.call('HDEL', cart, product)
  redis.call('ZREM', prefix .. product, user)
  lines[product] = nil
end
if change == 'set' then
  redis.call('HSET', cart, ARGV[6], ARGV[7])
  lines[ARGV[6]] = ARGV[7]
elseif change == 'remove' then
  drop(ARGV[6])
elseif change == 'take' then
  for i = 6, #ARGV, 2 do
    local product = ARGV[i]
    if lines[product] then
      local left = (tonumber(lines[product]) or 0) - tonumber(ARGV[i + 1])
      if left > 0 then
        lines[product] = string.format('%d', left)
        redis.call('HSET', cart, product, lines[product])
      else
        drop(product)
      end
    end
  end
elseif change == 'clear' then
  for product in pairs(lines) do drop(product) end
  redis.call('DEL', cart)
else
  return redis.error_reply('unknown cart change ' .. tostring(change))
end
redis.call('EXPIRE', cart, ttl)
for product in pairs(lines) do
  local index = prefix .. product
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  redis.call('ZADD', index, now + ttl, user)
  redis.call('EXPIRE', index, ttl)
end
return redis.call('HGETALL', cart)
"""


def cart_key(user_id: str) -> str:
    return f"{CART_PREFIX}{user_id}"


def index_key(product_id: str) -> str:
    return f"{INDEX_PREFIX}{product_id}"


def _decoded(quantities: Mapping[Any, Any]) -> Mapping[str, str]:
    """The client decodes responses, so a hash comes back as text."""
    return cast(Mapping[str, str], quantities)


class CartRepository:
    def __init__(self, db: Database) -> None:
        self.redis = db.redis
        self.ttl_seconds = db.ttl_seconds
        self._write_script = db.redis.register_script(WRITE)

    async def get(self, user_id: str) -> dict[str, int]:
        quantities = await self.redis.hgetall(cart_key(user_id))
        return stored_quantities(_decoded(quantities))

    async def set_quantity(self, user_id: str, product_id: str, quantity: int) -> dict[str, int]:
        return await self._write(user_id, "set", product_id, quantity)

    async def remove(self, user_id: str, product_id: str) -> dict[str, int]:
        return await self._write(user_id, "remove", product_id)

    async def take_out(self, user_id: str, bought: Mapping[str, int]) -> dict[str, int]:
        """Lower each bought product's line by the quantity bought, removing a line that
        reaches zero; lines not bought, and whatever was added since, stay."""
        return await self._write(user_id, "take", *(
            value for line in bought.items() for value in line))

    async def clear(self, user_id: str) -> None:
        await self._write(user_id, "clear")

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

    async def _write(self, user_id: str, change: str, *arguments: str | int) -> dict[str, int]:
        """One change of the cart by :data:`WRITE`: the cart as it left it."""
        stored = await self._write_script(
            keys=[cart_key(user_id)],
            args=[self.ttl_seconds, time.time(), user_id, INDEX_PREFIX, change, *arguments])
        flat = iter(stored)  # HGETALL's field, value, field, value...
        return stored_quantities(_decoded(dict(zip(flat, flat, strict=True))))
