"""The cart's use cases; every change answers with the cart as it now stands."""

from __future__ import annotations

from cart.catalog import ProductCatalog
from cart.db import Database
from cart.domain import Cart, ProductNotFound, check_quantity
from cart.repository import CartRepository


async def get(*, db: Database, user_id: str) -> Cart:
    """The caller's cart; a user without one has an empty cart."""
    return await CartRepository(db).get(user_id)


async def set_quantity(*, db: Database, catalog: ProductCatalog, user_id: str, product_id: str,
                       quantity: int) -> Cart:
    """Set (not add to) a line's quantity; stock is checked at checkout, not here."""
    check_quantity(quantity)
    if not await catalog.exists(product_id):
        raise ProductNotFound(product_id)
    return await CartRepository(db).set_quantity(user_id, product_id, quantity)


async def remove(*, db: Database, user_id: str, product_id: str) -> Cart:
    """Drop a line; dropping one that is not there is fine."""
    return await CartRepository(db).remove(user_id, product_id)


async def clear(*, db: Database, user_id: str) -> None:
    """Empty the cart."""
    await CartRepository(db).clear(user_id)


async def take_out(*, db: Database, user_id: str, bought: dict[str, int]) -> Cart:
    """After a checkout: lower each line by what the order bought (a line reaching zero
    goes), so that what the user put in the cart since the checkout began stays."""
    return await CartRepository(db).take_out(user_id, bought)


async def drop_product(*, db: Database, product_id: str) -> int:
    """A product was deleted: take it out of every cart; how many carts held it."""
    return await CartRepository(db).drop_product(product_id)
