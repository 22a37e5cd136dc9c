from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import pytest
from cart import service
from cart.db import Database
from cart.domain import InvalidQuantity, Product
from cart.repository import CartRepository, cart_key, index_key
from redis.asyncio import Redis

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


async def test_concurrent_writes_to_one_cart_are_none_of_them_lost(
        carts: CartRepository, redis: Redis, new_user_id: Callable[[], str]) -> None:
    """Each write reads the cart and writes it back. Run side by side (each over a pooled
    connection of its own), a write computed from a read that another write has since
    changed would lose that write: each take-out below lowers the line from what it read.
    None may fail either."""
    user = new_user_id()
    await carts.set_quantity(user, "bought", 50)
    await asyncio.gather(*(carts.take_out(user, {"bought": 1}) for _ in range(30)),
                         *(carts.set_quantity(user, f"added-{i}", i + 1) for i in range(10)))
    added = {f"added-{i}": i + 1 for i in range(10)}
    assert await carts.get(user) == {"bought": 20, **added}
    for product_id in added:  # every line's index entry written too
        assert await redis.zscore(index_key(product_id), user) is not None
    assert await carts.take_out(user, {"bought": 20}) == added
    assert await redis.zscore(index_key("bought"), user) is None


async def test_clearing_takes_the_cart_out_of_every_index(
        carts: CartRepository, redis: Redis, new_user_id: Callable[[], str]) -> None:
    user = new_user_id()
    await carts.set_quantity(user, "p-one", 1)
    await carts.set_quantity(user, "p-two", 2)
    assert await redis.zscore(index_key("p-two"), user) is not None
    await carts.clear(user)
    assert not await redis.exists(cart_key(user))
    assert await redis.zscore(index_key("p-one"), user) is None
    assert await redis.zscore(index_key("p-two"), user) is None
