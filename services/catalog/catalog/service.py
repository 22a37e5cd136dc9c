"""The catalog's use cases; stock moves are the checkout saga's steps (``reservations``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError

from catalog.db import Database, now
from catalog.domain import (
    Category,
    DuplicateSku,
    NewProduct,
    Product,
    ProductNotFound,
    ProductSearch,
)
from catalog.repository import ProductRepository
from catalog.versions import UNTRACKED, ProductsVersion


def get(*, db: Database, product_id: str) -> Product:
    """One product, or :class:`ProductNotFound`."""
    product = ProductRepository(db).get(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def list_page(*, db: Database, search: ProductSearch) -> tuple[list[Product], int]:
    """A page of products matching ``search`` and the number of all matches."""
    return ProductRepository(db).list_page(search)


def list_categories(*, db: Database) -> list[Category]:
    """Every category that has products, by name."""
    return ProductRepository(db).categories()


def create(*, db: Database, new: NewProduct) -> Product:
    """Add a product; a taken sku is :class:`DuplicateSku`."""
    product = new.to_product(now())
    try:
        ProductRepository(db).add(product)
    except DuplicateKeyError as exc:
        raise DuplicateSku(new.sku) from exc
    return product


def update(*, db: Database, product_id: str, changes: dict[str, Any],
           version: ProductsVersion = UNTRACKED) -> Product:
    """Change any fields but the sku; the products version is replaced before the answer,
    so that no copy of the old price outlives it (:mod:`chassis.product_version`)."""
    product = ProductRepository(db).update(product_id, changes, now())
    if product is None:
        raise ProductNotFound(product_id)
    if changes:
        version.bump()
    return product


def delete(*, db: Database, product_id: str, version: ProductsVersion = UNTRACKED) -> None:
    """Remove a product; orders keep their own copy of what was bought."""
    if not ProductRepository(db).delete(product_id):
        raise ProductNotFound(product_id)
    version.bump()


def load_seed(*, db: Database, products: Sequence[NewProduct]) -> int:
    """Load ``products`` when the catalog is empty; the number loaded."""
    repository = ProductRepository(db)
    if repository.count():
        return 0
    moment = now()
    repository.add_many(new.to_product(moment) for new in products)
    return len(products)


def lookup(*, db: Database, product_ids: Iterable[str]) -> list[Product]:
    """The products that exist among ``product_ids``; the rest are left out."""
    return list(ProductRepository(db).get_many(product_ids).values())
