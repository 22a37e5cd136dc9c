from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from cart import service
from cart.db import Database
from cart.domain import InvalidQuantity, Product
from cart.repository import CartRepository, cart_key
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

pytestmark = pytest.mark.anyio


async def test_a_user_without_a_cart_has_an_empty_one(
        carts: CartRepository, new_user_id: Callable[[], str]) -> None:
    assert await carts.get(new_user_id()) == {}


async def test_setting_a_quantity_replaces_it_and_renews_the_ttl(
        carts: CartRepository, redis: Redis, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "p1", 2)
    await redis.expire(cart_key(user), 5)
    cart = await carts.set_quantity(user, "p1", 7)
    assert cart == {"p1": 7}
    assert 590 <= await redis.ttl(cart_key(user)) <= 600
    assert await redis.hgetall(cart_key(user)) == {"p1": "7"}


async def test_removing_lines_keeps_the_rest_and_removing_a_missing_one_is_fine(
        carts: CartRepository, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "p1", 1)
    await carts.set_quantity(user, "p2", 2)
    assert await carts.remove(user, "p1") == {"p2": 2}
    assert await carts.remove(user, "nothing") == {"p2": 2}


async def test_a_cleared_cart_is_gone_from_the_store(
        db: Database, carts: CartRepository, redis: Redis, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "p1", 1)
    await service.clear(db=db, user_id=user)
    assert await redis.exists(cart_key(user)) == 0


async def test_carts_of_different_users_are_apart(
        carts: CartRepository, new_user_id: Callable[[], str]) -> None:
    alice, bob = new_user_id(), new_user_id()
    await carts.set_quantity(alice, "p1", 1)
    assert await carts.get(bob) == {}


class _NeverAsked:
    async def lookup(self, product_ids: Iterable[str]) -> dict[str, Product]:
        raise AssertionError("a bad quantity is refused before the catalog is asked")


class _RacedCatalog:
    """A catalog while another request of the same user puts ``raced`` into the cart
    between this request's lookup and its write."""

    def __init__(self, carts: CartRepository, user_id: str) -> None:
        self.carts, self.user_id = carts, user_id
        self.asked: list[set[str]] = []

    async def lookup(self, product_ids: Iterable[str]) -> dict[str, Product]:
        wanted = set(product_ids)
        if not self.asked:
            await self.carts.set_quantity(self.user_id, "raced", 1)
        self.asked.append(wanted)
        return {i: Product(i, f"SKU-{i}", i, 100) for i in wanted}


async def test_a_line_put_in_meanwhile_is_priced_too_not_left_out(
        db: Database, carts: CartRepository, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    catalog = _RacedCatalog(carts, user)
    cart = await service.set_quantity(db=db, catalog=catalog,  # type: ignore[arg-type]
                                      user_id=user, product_id="mine", quantity=2)
    assert [(line.product_id, line.quantity) for line in cart.lines] == [
        ("mine", 2), ("raced", 1)]
    assert catalog.asked == [{"mine"}, {"raced"}]  # the second lookup only for what was new


async def test_the_service_refuses_a_quantity_the_cart_cannot_hold(
        db: Database, new_user_id: Callable[[], str]) -> None:
    with pytest.raises(InvalidQuantity):
        await service.set_quantity(db=db, catalog=_NeverAsked(),  # type: ignore[arg-type]
                                   user_id=new_user_id(), product_id="p", quantity=100)


async def test_taking_out_what_was_bought_lowers_those_lines_only(
        carts: CartRepository, redis: Redis, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "bought", 2)
    await carts.set_quantity(user, "partly", 4)
    await carts.set_quantity(user, "kept", 1)
    cart = await carts.take_out(user, {"bought": 2, "partly": 1, "absent": 3})
    assert cart == {"kept": 1, "partly": 3}
    assert await redis.hgetall(cart_key(user)) == {"kept": "1", "partly": "3"}
    assert await carts.take_out(user, {"kept": 5, "partly": 3}) == {}
    assert not await redis.exists(cart_key(user))


async def test_a_write_between_the_read_and_the_take_out_is_not_lost(
        carts: CartRepository, redis: Redis, new_user_id: Callable[[], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-modify-write retries when the cart changes under it (WATCH)."""
    user = new_user_id()
    await carts.set_quantity(user, "bought", 1)
    other = CartRepository(Database(redis=redis, ttl_seconds=600))  # another pooled connection
    original_hgetall = Pipeline.hgetall
    raced = False

    def hgetall_then_write(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        nonlocal raced
        result = original_hgetall(self, *args, **kwargs)
        if raced:
            return result
        raced = True

        async def read_then_race() -> Any:
            value = await result
            await other.set_quantity(user, "bought", 5)  # the user sets 5 meanwhile
            return value

        return read_then_race()

    monkeypatch.setattr(Pipeline, "hgetall", hgetall_then_write)
    cart = await carts.take_out(user, {"bought": 1})
    assert raced
    assert cart == {"bought": 4}, "taken out of the quantity as it is now"
