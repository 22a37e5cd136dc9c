"""Products, the search over them, and stock that never goes below zero."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Sort = Literal["name", "-name", "price", "-price", "newest"]


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    name: str
    description: str
    category: str
    price_cents: int
    stock: int
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewProduct:
    sku: str
    name: str
    category: str
    price_cents: int
    description: str = ""
    stock: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_product(self, now: datetime) -> Product:
        return Product(id=str(uuid.uuid4()), sku=self.sku, name=self.name,
                       description=self.description, category=self.category,
                       price_cents=self.price_cents, stock=self.stock,
                       attributes=dict(self.attributes), created_at=now, updated_at=now)


@dataclass(frozen=True)
class ProductSearch:
    """``words`` must each occur in the name or description; bounds are inclusive."""

    words: tuple[str, ...] = ()
    category: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    sort: Sort = "name"
    offset: int = 0
    limit: int = 20


def search_words(q: str | None) -> tuple[str, ...]:
    return tuple(q.split()) if q else ()


@dataclass(frozen=True)
class Category:
    name: str
    product_count: int


@dataclass(frozen=True)
class StockLine:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class Shortage:
    product_id: str
    requested: int
    available: int


class ProductNotFound(Exception):
    """No product has this id (including ids that could never exist)."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"No product has the id {product_id!r}.")


class DuplicateSku(Exception):
    """Another product has this sku already."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"A product with the sku {sku!r} already exists.")


class OutOfStock(Exception):
    """Some lines ask for more than is in stock; nothing was taken."""

    def __init__(self, shortages: list[Shortage]) -> None:
        super().__init__(f"{len(shortages)} line(s) short")
        self.shortages = shortages
