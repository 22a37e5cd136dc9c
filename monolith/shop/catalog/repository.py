"""Products in the database: search, pages, categories and conditional stock moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Row,
    String,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from shop.catalog.domain import Category, Product, ProductSearch, Sort
from shop.catalog.models import ProductRow
from shop.db import dialect_of, sql_integer


def _to_domain(row: ProductRow | Row[Any]) -> Product:
    """A product from its ORM object or from a row of :data:`_PRODUCTS` (the same names)."""
    return Product(id=row.id, sku=row.sku, name=row.name, description=row.description,
                   category=row.category, price_cents=row.price_cents, stock=row.stock,
                   attributes=dict(row.attributes or {}), created_at=row.created_at,
                   updated_at=row.updated_at)


# Reads select the table's columns, not the mapped class: the rows become domain products
# at once, without the ORM's objects, their identity map and their change tracking,
# which only a write needs (docs/performance.md, "Reads without the ORM's objects").
_PRODUCTS = ProductRow.__table__
# The reads by id are built once, with their ids as parameters: building a statement and
# its cache key costs more than SQLite takes to run it (docs/performance.md, "Statements
# built once, and reads without a session").
_BY_ID = select(_PRODUCTS).where(_PRODUCTS.c.id == bindparam("product_id"))
_BY_IDS = select(_PRODUCTS).where(_PRODUCTS.c.id.in_(bindparam("product_ids", expanding=True)))


def binary(column: Any, dialect: str) -> Any:
    """Order by code point: PostgreSQL needs ``COLLATE "C"``, SQLite's default is binary."""
    return column.collate("C") if dialect == "postgresql" else column


def _contains_folded(column: Any, word: str) -> ColumnElement[bool]:
    return func.lower(column, type_=String).contains(word.lower(), autoescape=True)


def _bound(price_cents: int) -> Any:
    """A price bound as a BIGINT parameter: a bound beyond the INTEGER column is still valid."""
    return literal(sql_integer(price_cents), BigInteger)


def _filters(search: ProductSearch) -> list[ColumnElement[bool]]:
    conditions = [or_(_contains_folded(ProductRow.name, word),
                      _contains_folded(ProductRow.description, word))
                  for word in search.words]
    if search.category is not None:
        conditions.append(ProductRow.category == search.category)
    if search.min_price_cents is not None:
        conditions.append(ProductRow.price_cents >= _bound(search.min_price_cents))
    if search.max_price_cents is not None:
        conditions.append(ProductRow.price_cents <= _bound(search.max_price_cents))
    return conditions


def _ordering(sort: Sort, dialect: str) -> tuple[Any, ...]:
    name, sku = binary(ProductRow.name, dialect), binary(ProductRow.sku, dialect)
    first = {
        "name": name.asc(),
        "-name": name.desc(),
        "price": ProductRow.price_cents.asc(),
        "-price": ProductRow.price_cents.desc(),
        "newest": ProductRow.created_at.desc(),
    }[sort]
    return first, sku.asc()


class ProductRepository:
    """Products over a session, or over a connection (``Database.reads``) for the reads,
    which execute table statements only."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self.dialect = dialect_of(session)

    @property
    def _orm(self) -> Session:
        """The session that writes need; a connection from ``Database.reads`` has none."""
        if not isinstance(self.session, Session):
            raise TypeError("products are written in a unit of work, not over a connection")
        return self.session

    def add(self, product: Product) -> None:
        self._orm.add(ProductRow(**product.__dict__))
        self._orm.flush()

    def get(self, product_id: str) -> Product | None:
        row = self.session.execute(_BY_ID, {"product_id": product_id}).first()
        return _to_domain(row) if row else None

    def get_many(self, product_ids: Iterable[str]) -> dict[str, Product]:
        rows = self.session.execute(_BY_IDS, {"product_ids": list(product_ids)})
        return {row.id: _to_domain(row) for row in rows}

    def update(self, product_id: str, changes: dict[str, Any], now: datetime) -> Product | None:
        row = self._orm.get(ProductRow, product_id)
        if row is None or not changes:
            return _to_domain(row) if row else None
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = now
        self._orm.flush()
        return _to_domain(row)

    def delete(self, product_id: str) -> bool:
        result = self.session.execute(delete(ProductRow).where(ProductRow.id == product_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def list_page(self, search: ProductSearch) -> tuple[list[Product], int]:
        conditions = _filters(search)
        total = self.session.scalar(select(func.count()).select_from(ProductRow)
                                    .where(*conditions)) or 0
        rows = self.session.execute(
            select(_PRODUCTS).where(*conditions).order_by(*_ordering(search.sort, self.dialect))
            .offset(sql_integer(search.offset)).limit(search.limit))
        return [_to_domain(row) for row in rows], total

    def categories(self) -> list[Category]:
        category = binary(ProductRow.category, self.dialect)
        rows = self.session.execute(select(ProductRow.category, func.count())
                                    .group_by(ProductRow.category).order_by(category))
        return [Category(name=name, product_count=count) for name, count in rows]

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ProductRow)) or 0

    def take_stock(self, product_id: str, quantity: int) -> bool:
        """Decrement stock by ``quantity`` only if that much is there; False otherwise."""
        result = self.session.execute(
            update(ProductRow)
            .where(ProductRow.id == product_id, ProductRow.stock >= quantity)
            .values(stock=ProductRow.stock - quantity))
        return result.rowcount == 1  # type: ignore[attr-defined]

    def give_back_stock(self, product_id: str, quantity: int) -> None:
        """Return stock; a product deleted since simply takes nothing back."""
        self.session.execute(update(ProductRow).where(ProductRow.id == product_id)
                             .values(stock=ProductRow.stock + quantity))

    def stock_levels(self, product_ids: Iterable[str]) -> dict[str, int]:
        rows = self.session.execute(select(ProductRow.id, ProductRow.stock)
                                    .where(ProductRow.id.in_(list(product_ids))))
        return dict(rows.tuples().all())
