"""Products, the search over them, and stock that never goes below zero; reservations
hold an order's stock from the checkout saga's first step to its last."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from bson import ObjectId

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
        return Product(id=str(ObjectId()), sku=self.sku, name=self.name,
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


class ReservationStatus(StrEnum):
    PENDING = "pending"  # lines are being taken; a crash here is settled by a release
    RESERVED = "reserved"
    COMMITTED = "committed"
    REJECTED = "rejected"  # some line was short; nothing is held
    RELEASED = "released"  # stock given back, or a tombstone for an order never reserved

    @property
    def holds_stock(self) -> bool:
        return self in (ReservationStatus.RESERVED, ReservationStatus.COMMITTED)


RELEASABLE = frozenset({ReservationStatus.PENDING, ReservationStatus.RESERVED,
                        ReservationStatus.COMMITTED, ReservationStatus.REJECTED})


@dataclass(frozen=True)
class ReservedLine:
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int


@dataclass(frozen=True)
class Reservation:
    order_id: str
    status: ReservationStatus
    lines: tuple[ReservedLine, ...] = ()
    shortages: tuple[Shortage, ...] = ()


class ReservationNotFound(Exception):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No reservation exists for the order {order_id!r}.")


class ReservationConflict(Exception):
    """The reservation is released, in progress or not committable."""
