"""The cart's use cases; every change answers with the cart as it now stands."""

from __future__ import annotations

from shop.cart.domain import Cart
from shop.cart.repository import CartRepository
from shop.catalog.domain import ProductNotFound
from shop.catalog.repository import ProductRepository
from shop.db import Database


def get(*, db: Database, user_id: str) -> Cart:
    """The caller's cart at today's prices."""
    with db.reads() as sql:
        return CartRepository(sql).get(user_id)


def set_quantity(*, db: Database, user_id: str, product_id: str, quantity: int) -> Cart:
    """Set (not add to) a line's quantity; stock is checked at checkout, not here."""
    with db.uow(write=True) as uow:
        if ProductRepository(uow.session).get(product_id) is None:
            raise ProductNotFound(product_id)
        carts = CartRepository(uow.session)
        carts.set_quantity(user_id, product_id, quantity)
        cart = carts.get(user_id)
        uow.commit()
    return cart


def remove(*, db: Database, user_id: str, product_id: str) -> Cart:
    """Drop a line; dropping one that is not there is fine."""
    with db.uow(write=True) as uow:
        carts = CartRepository(uow.session)
        carts.remove(user_id, product_id)
        cart = carts.get(user_id)
        uow.commit()
    return cart


def clear(*, db: Database, user_id: str) -> None:
    """Empty the cart."""
    with db.uow(write=True) as uow:
        CartRepository(uow.session).clear(user_id)
        uow.commit()
