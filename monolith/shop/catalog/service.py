"""The catalog's use cases; stock moves take the caller's session to join its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chassis.clock import utcnow
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.catalog.domain import (
    Category,
    DuplicateSku,
    NewProduct,
    OutOfStock,
    Product,
    ProductNotFound,
    ProductSearch,
    Shortage,
    StockLine,
)
from shop.catalog.repository import ProductRepository
from shop.db import Database


def get(*, db: Database, product_id: str) -> Product:
    """One product, or :class:`ProductNotFound`."""
    with db.reads() as sql:
        product = ProductRepository(sql).get(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def list_page(*, db: Database, search: ProductSearch) -> tuple[list[Product], int]:
    """A page of products matching ``search`` and the number of all matches."""
    with db.reads() as sql:
        return ProductRepository(sql).list_page(search)


def list_categories(*, db: Database) -> list[Category]:
    """Every category that has products, by name."""
    with db.reads() as sql:
        return ProductRepository(sql).categories()


def create(*, db: Database, new: NewProduct) -> Product:
    """Add a product; a taken sku is :class:`DuplicateSku`."""
    product = new.to_product(utcnow())
    with db.uow(write=True) as uow:
        try:
            ProductRepository(uow.session).add(product)
            uow.commit()
        except IntegrityError as exc:
            raise DuplicateSku(new.sku) from exc
    return product


def update(*, db: Database, product_id: str, changes: dict[str, Any]) -> Product:
    """Change any fields but the sku."""
    with db.uow(write=True) as uow:
        product = ProductRepository(uow.session).update(product_id, changes, utcnow())
        if product is None:
            raise ProductNotFound(product_id)
        uow.commit()
    return product


def delete(*, db: Database, product_id: str) -> None:
    """Remove a product; orders keep their own copy of what was bought."""
    with db.uow(write=True) as uow:
        if not ProductRepository(uow.session).delete(product_id):
            raise ProductNotFound(product_id)
        uow.commit()


def load_seed(*, db: Database, products: Sequence[NewProduct]) -> int:
    """Load ``products`` when the catalog is empty; the number loaded."""
    with db.uow(write=True) as uow:
        repository = ProductRepository(uow.session)
        if repository.count():
            return 0
        now = utcnow()
        for new in products:
            repository.add(new.to_product(now))
        uow.commit()
    return len(products)


def reserve_stock(*, session: Session, lines: Sequence[StockLine]) -> None:
    """Take every line's quantity from stock, or raise :class:`OutOfStock` naming each short line.

    Lines are taken in product-id order so that concurrent checkouts lock rows in
    the same order and cannot deadlock; the caller rolls back on OutOfStock.
    """
    repository = ProductRepository(session)
    short = [line for line in sorted(lines, key=lambda line: line.product_id)
             if not repository.take_stock(line.product_id, line.quantity)]
    if short:
        levels = repository.stock_levels(line.product_id for line in short)
        raise OutOfStock([Shortage(product_id=line.product_id, requested=line.quantity,
                                   available=levels.get(line.product_id, 0)) for line in short])


def release_stock(*, session: Session, lines: Sequence[StockLine]) -> None:
    """Give the lines' quantities back to stock."""
    repository = ProductRepository(session)
    for line in sorted(lines, key=lambda line: line.product_id):
        repository.give_back_stock(line.product_id, line.quantity)
