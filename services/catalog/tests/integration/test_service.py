"""The catalog's use cases on a real store, where races are staged between two steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from catalog import reservations as steps
from catalog import service
from catalog.db import Database, now
from catalog.domain import (
    NewProduct,
    OutOfStock,
    Product,
    ProductNotFound,
    ReservationConflict,
    ReservationStatus,
    StockLine,
)
from catalog.repository import ProductRepository, ReservationRepository

ProductFactory = Callable[..., Product]


def reserve(db: Database, order_id: str, *lines: tuple[str, int]) -> Any:
    return steps.reserve_stock(db=db, order_id=order_id,
                                 lines=[StockLine(*line) for line in lines])


def test_a_release_that_lands_while_lines_are_taken_leaks_no_stock(
        database: Database, products: ProductRepository, reservations: ReservationRepository,
        create_product: ProductFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    mug, plate, cup = create_product(stock=5), create_product(stock=5), create_product(stock=5)
    record_lines = ReservationRepository.record_lines
    calls: list[str] = []

    def release_before_the_second_record(self: ReservationRepository, order_id: str,
                                         lines: Any) -> bool:
        calls.append(order_id)
        if len(calls) == 2:  # after the second line is taken, before the third is
            steps.release_stock(db=database, order_id=order_id)
        return record_lines(self, order_id, lines)

    monkeypatch.setattr(ReservationRepository, "record_lines",
                        release_before_the_second_record)
    with pytest.raises(ReservationConflict):
        reserve(database, "order-1", (mug.id, 2), (plate.id, 3), (cup.id, 1))
    assert [products.stock_of(product.id) for product in (mug, plate, cup)] == [5, 5, 5]
    found = reservations.get("order-1")
    assert found is not None and found.status is ReservationStatus.RELEASED


def test_a_rejected_reservation_gives_back_the_lines_it_had_taken(
        database: Database, products: ProductRepository, reservations: ReservationRepository,
        create_product: ProductFactory) -> None:
    mug, plate = create_product(stock=5), create_product(stock=1)
    with pytest.raises(OutOfStock):
        reserve(database, "order-1", (mug.id, 2), (plate.id, 2))
    assert products.stock_of(mug.id) == 5
    found = reservations.get("order-1")
    assert found is not None and found.status is ReservationStatus.REJECTED
    steps.release_stock(db=database, order_id="order-1")
    assert products.stock_of(mug.id) == 5


def test_a_repeat_while_the_first_reservation_is_pending_is_a_conflict(
        database: Database, reservations: ReservationRepository,
        create_product: ProductFactory) -> None:
    reservations.add("order-1", ReservationStatus.PENDING, now())
    with pytest.raises(ReservationConflict):
        reserve(database, "order-1", (create_product().id, 1))


def test_seeding_fills_an_empty_catalog_only(database: Database,
                                             products: ProductRepository) -> None:
    seed = [NewProduct(sku="A", name="Mug", category="Kitchen", price_cents=100)]
    assert service.load_seed(db=database, products=seed) == 1
    assert service.load_seed(db=database, products=seed) == 0
    assert products.count() == 1


def test_an_update_without_changes_leaves_the_product_as_it_was(
        database: Database, create_product: ProductFactory) -> None:
    product = create_product()
    assert service.update(db=database, product_id=product.id, changes={}) == product


def test_an_update_of_a_missing_product_is_not_found(database: Database) -> None:
    with pytest.raises(ProductNotFound):
        service.update(db=database, product_id="missing", changes={"name": "x"})
    with pytest.raises(ProductNotFound):
        service.update(db=database, product_id="0123456789abcdef01234567", changes={})


def test_the_store_clock_keeps_only_milliseconds() -> None:
    assert now().microsecond % 1000 == 0
