"""The cart's use cases; every change answers with the cart as it now stands.

Each prices the cart with at most one lookup at the catalog, for the products the
cart has no current copy of (:mod:`cart.product_copies`). A change looks its products
up before it writes, so that an unknown product, or a catalog that cannot answer,
leaves the cart as it was.
"""

from __future__ import annotations

from cart.catalog import ProductCatalog
from cart.db import Database
from cart.domain import Cart, Product, ProductNotFound, Quantities, check_quantity
from cart.repository import CartRepository


async def get(*, db: Database, catalog: ProductCatalog, user_id: str,
              fresh: bool = False) -> Cart:
    """The caller's cart at today's prices; ``fresh``: priced by the catalog itself, none
    from the cart's copies (a checkout's prices, and a checkout behind a catalog that
    cannot answer fails at its first step, before anything is recorded)."""
    quantities = await CartRepository(db).get(user_id)
    return Cart.priced(quantities, await catalog.lookup(quantities, fresh=fresh))


async def set_quantity(*, db: Database, catalog: ProductCatalog, user_id: str, product_id: str,
                       quantity: int) -> Cart:
    """Set (not add to) a line's quantity; stock is checked at checkout, not here."""
    check_quantity(quantity)
    carts = CartRepository(db)
    asked = {*await carts.get(user_id), product_id}
    products = await catalog.lookup(asked)
    if product_id not in products:
        raise ProductNotFound(product_id)
    quantities = await carts.set_quantity(user_id, product_id, quantity)
    return await _priced(catalog, quantities, asked, products)


async def remove(*, db: Database, catalog: ProductCatalog, user_id: str,
                 product_id: str) -> Cart:
    """Drop a line; dropping one that is not there is fine."""
    carts = CartRepository(db)
    asked = set(await carts.get(user_id)) - {product_id}
    products = await catalog.lookup(asked)
    quantities = await carts.remove(user_id, product_id)
    return await _priced(catalog, quantities, asked, products)


async def clear(*, db: Database, user_id: str) -> None:
    """Empty the cart."""
    await CartRepository(db).clear(user_id)


async def take_out(*, db: Database, catalog: ProductCatalog, user_id: str,
                   bought: dict[str, int]) -> Cart:
    """After a checkout: lower each line by what the order bought (a line reaching zero
    goes), so that what the user put in the cart since the checkout began stays. The
    order is paid for by then: the cart is lowered first and priced after, so that a
    catalog that cannot answer costs the answer, not the change."""
    quantities = await CartRepository(db).take_out(user_id, bought)
    return Cart.priced(quantities, await catalog.lookup(quantities))


async def drop_product(*, db: Database, product_id: str) -> int:
    """A product was deleted: take it out of every cart; how many carts held it."""
    return await CartRepository(db).drop_product(product_id)


async def _priced(catalog: ProductCatalog, quantities: Quantities, asked: set[str],
                  products: dict[str, Product]) -> Cart:
    """The written cart at the prices looked up before the write; a product another
    request put in meanwhile (never asked about) is looked up too, not left out."""
    added = set(quantities) - asked
    if added:
        products = {**products, **await catalog.lookup(added)}
    return Cart.priced(quantities, products)
