"""The cart's use cases, as keyword-only functions over the repository."""

from __future__ import annotations

from cart.catalog import ProductCatalog
from cart.domain import Cart, ProductNotFound, check_quantity
from cart.repository import CartRepository


async def get_cart(*, carts: CartRepository, user_id: str) -> Cart:
    """The user's cart; a user without one has an empty cart."""
    return await carts.get(user_id)


async def set_quantity(*, carts: CartRepository, catalog: ProductCatalog, user_id: str,
                       product_id: str, quantity: int) -> Cart:
    """Set (not add to) the quantity of a product the catalog has (else
    :class:`ProductNotFound`); stock is checked at checkout only."""
    check_quantity(quantity)
    if not await catalog.exists(product_id):
        raise ProductNotFound(product_id)
    return await carts.set_quantity(user_id, product_id, quantity)


async def remove_line(*, carts: CartRepository, user_id: str, product_id: str) -> Cart:
    """Take one product out of the cart; taking out what is not there is fine."""
    return await carts.remove(user_id, product_id)


async def take_out_bought(*, carts: CartRepository, user_id: str,
                          bought: dict[str, int]) -> Cart:
    """After a checkout: lower each line by what the order bought (a line reaching zero
    goes), so that what the user put in the cart since the checkout began stays."""
    return await carts.take_out(user_id, bought)


async def clear_cart(*, carts: CartRepository, user_id: str) -> None:
    """Empty the cart (after a checkout, or when the user asks)."""
    await carts.clear(user_id)
