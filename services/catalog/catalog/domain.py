"""The catalog's domain: products, search filters and stock reservations, free of drivers.

    CatalogError
     ├── ProductNotFound       no such product, or an id that could never exist
     ├── DuplicateSku          another product already has the sku
     ├── OutOfStock            some reservation lines are short (carries the shortages)
     ├── ReservationNotFound   no reservation for the order id
     └── ReservationConflict   the reservation is released, in progress or not committable
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

SORTS = ("name", "-name", "price", "-price", "newest")


@dataclass(frozen=True)
class NewProduct:
    sku: str
    name: str
    category: str
    price_cents: int
    description: str = ""
    stock: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)


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
class Category:
    name: str
    product_count: int


@dataclass(frozen=True)
class ProductFilter:
    words: tuple[str, ...] = ()
    category: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    sort: str = "name"


def search_words(q: str | None) -> tuple[str, ...]:
    """The words of a search: split on whitespace, each matched literally and case-insensitively."""
    return tuple((q or "").split())


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
class StockRequest:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class ReservedLine:
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int


@dataclass(frozen=True)
class Shortage:
    product_id: str
    requested: int
    available: int


@dataclass(frozen=True)
class Reservation:
    order_id: str
    status: ReservationStatus
    lines: tuple[ReservedLine, ...] = ()
    shortages: tuple[Shortage, ...] = ()


class CatalogError(Exception):
    pass


class ProductNotFound(CatalogError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"No product has the id {product_id!r}.")


class DuplicateSku(CatalogError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"A product with the sku {sku!r} already exists.")


class OutOfStock(CatalogError):
    def __init__(self, shortages: tuple[Shortage, ...]) -> None:
        super().__init__("Some lines ask for more than is in stock.")
        self.shortages = shortages


class ReservationNotFound(CatalogError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No reservation exists for the order {order_id!r}.")


class ReservationConflict(CatalogError):
    pass
