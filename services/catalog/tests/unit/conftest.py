"""In-memory fakes of the catalog's repositories, for service tests without MongoDB."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from catalog.domain import (
    NewProduct,
    Product,
    Reservation,
    ReservationStatus,
    ReservedLine,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeProducts:
    def __init__(self) -> None:
        self.items: dict[str, Product] = {}

    def add(self, new: NewProduct, *, now: datetime = EPOCH) -> Product:
        product = Product(id=f"{len(self.items) + 1:024x}", created_at=now, updated_at=now,
                          **vars(new))
        self.items[product.id] = product
        return product

    def add_many(self, news: Iterable[NewProduct], *, now: datetime) -> int:
        return len([self.add(new, now=now) for new in news])

    def count(self) -> int:
        return len(self.items)

    def get(self, product_id: str) -> Product | None:
        return self.items.get(product_id)

    def update(self, product_id: str, changes: dict[str, Any], *, now: datetime) -> Product | None:
        if product_id not in self.items:
            return None
        self.items[product_id] = replace(self.items[product_id], **changes, updated_at=now)
        return self.items[product_id]

    def take_stock(self, product_id: str, quantity: int) -> ReservedLine | None:
        product = self.items.get(product_id)
        if product is None or product.stock < quantity:
            return None
        self.items[product_id] = replace(product, stock=product.stock - quantity)
        return ReservedLine(product_id, product.sku, product.name, product.price_cents, quantity)

    def stock_of(self, product_id: str) -> int:
        product = self.items.get(product_id)
        return product.stock if product else 0

    def give_back_stock(self, product_id: str, quantity: int) -> None:
        product = self.items.get(product_id)
        if product is not None:
            self.items[product_id] = replace(product, stock=product.stock + quantity)


class FakeReservations:
    def __init__(self) -> None:
        self.items: dict[str, Reservation] = {}
        self.before_record: Callable[[str], None] = lambda order_id: None

    def add(self, order_id: str, status: ReservationStatus, *, now: datetime) -> bool:
        if order_id in self.items:
            return False
        self.items[order_id] = Reservation(order_id=order_id, status=status)
        return True

    def get(self, order_id: str) -> Reservation | None:
        return self.items.get(order_id)

    def record_lines(self, order_id: str, lines: Iterable[ReservedLine]) -> bool:
        self.before_record(order_id)
        current = self.items[order_id]
        if current.status is not ReservationStatus.PENDING:
            return False
        self.items[order_id] = replace(current, lines=tuple(lines))
        return True

    def transition(self, order_id: str, from_statuses: Iterable[ReservationStatus],
                   to_status: ReservationStatus, *, now: datetime,
                   **changes: Any) -> Reservation | None:
        before = self.items.get(order_id)
        if before is None or before.status not in set(from_statuses):
            return None
        lines = changes.get("lines", before.lines)
        self.items[order_id] = replace(before, status=to_status, lines=tuple(lines))
        return before


@pytest.fixture
def products() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def reservations() -> FakeReservations:
    return FakeReservations()


@pytest.fixture
def create_product(products: FakeProducts) -> Callable[..., Product]:
    def create(**overrides: Any) -> Product:
        fields: dict[str, Any] = {"sku": f"SKU-{products.count() + 1}", "name": "Mug",
                                  "category": "Kitchen", "price_cents": 1200, "stock": 10}
        return products.add(NewProduct(**{**fields, **overrides}))
    return create
