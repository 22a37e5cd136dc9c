"""Cart lines in the database, joined with the catalog for their prices."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection, Select, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shop.cart.domain import Cart, CartLine
from shop.cart.models import CartItemRow
from shop.catalog.models import ProductRow
from shop.catalog.repository import binary
from shop.db import dialect_of


@cache
def _priced_lines(dialect: str) -> Select[tuple[str, str, str, int, int]]:
    """The cart's lines with their products, built once per dialect (like the product
    reads in shop.catalog.repository)."""
    return (select(ProductRow.id, ProductRow.sku, ProductRow.name, ProductRow.price_cents,
                   CartItemRow.quantity)
            .join(ProductRow, ProductRow.id == CartItemRow.product_id)
            .where(CartItemRow.user_id == bindparam("user_id"))
            .order_by(binary(ProductRow.sku, dialect)))


class CartRepository:
    """Cart lines over a unit of work's session, or over a connection (``Database.reads``)
    for the priced read."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self.dialect = dialect_of(session)

    def get(self, user_id: str) -> Cart:
        """The cart at today's prices (an inner join leaves deleted products out)."""
        rows = self.session.execute(_priced_lines(self.dialect), {"user_id": user_id})
        return Cart(tuple(CartLine(product_id=product_id, sku=sku, name=name,
                                   unit_price_cents=price, quantity=quantity)
                          for product_id, sku, name, price, quantity in rows))

    def set_quantity(self, user_id: str, product_id: str, quantity: int) -> None:
        """Insert the line or overwrite its quantity, in one statement."""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        statement = insert(CartItemRow).values(
            user_id=user_id, product_id=product_id, quantity=quantity)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[CartItemRow.user_id, CartItemRow.product_id],
            set_={"quantity": quantity}))

    def remove(self, user_id: str, product_id: str) -> None:
        if "\x00" in product_id:  # never stored, and PostgreSQL cannot compare it
            return
        self.session.execute(delete(CartItemRow).where(
            CartItemRow.user_id == user_id, CartItemRow.product_id == product_id))

    def clear(self, user_id: str) -> None:
        self.session.execute(delete(CartItemRow).where(CartItemRow.user_id == user_id))
