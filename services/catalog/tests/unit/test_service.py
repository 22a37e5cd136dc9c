from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from catalog import service
from catalog.domain import (
    NewProduct,
    OutOfStock,
    Product,
    ProductNotFound,
    ReservationConflict,
    ReservationStatus,
    StockRequest,
)

ProductFactory = Callable[..., Product]


def reserve(products: Any, reservations: Any, order_id: str, *lines: tuple[str, int]) -> Any:
    return service.reserve_stock(products=products, reservations=reservations, order_id=order_id,
                                 lines=[StockRequest(*line) for line in lines])


def test_a_release_that_lands_while_lines_are_taken_leaks_no_stock(
        products: Any, reservations: Any, create_product: ProductFactory) -> None:
    mug, plate = create_product(stock=5), create_product(stock=5)
    calls: list[str] = []

    def release_during_second_line(order_id: str) -> None:
        calls.append(order_id)
        if len(calls) == 2:
            service.release_stock(products=products, reservations=reservations,
                                  order_id=order_id)

    reservations.before_record = release_during_second_line
    with pytest.raises(ReservationConflict):
        reserve(products, reservations, "order-1", (mug.id, 2), (plate.id, 3))
    assert (products.stock_of(mug.id), products.stock_of(plate.id)) == (5, 5)
    assert reservations.get("order-1").status is ReservationStatus.RELEASED


def test_a_rejected_reservation_gives_back_the_lines_it_had_taken(
        products: Any, reservations: Any, create_product: ProductFactory) -> None:
    mug, plate = create_product(stock=5), create_product(stock=1)
    with pytest.raises(OutOfStock):
        reserve(products, reservations, "order-1", (mug.id, 2), (plate.id, 2))
    assert products.stock_of(mug.id) == 5
    assert reservations.get("order-1").status is ReservationStatus.REJECTED
    service.release_stock(products=products, reservations=reservations, order_id="order-1")
    assert products.stock_of(mug.id) == 5


def test_a_repeat_while_the_first_reservation_is_pending_is_a_conflict(
        products: Any, reservations: Any, create_product: ProductFactory) -> None:
    reservations.add("order-1", ReservationStatus.PENDING, now=service.now())
    with pytest.raises(ReservationConflict):
        reserve(products, reservations, "order-1", (create_product().id, 1))


def test_seeding_fills_an_empty_catalog_only(products: Any) -> None:
    seed = [NewProduct(sku="A", name="Mug", category="Kitchen", price_cents=100)]
    assert service.seed_products(products=products, seed=seed) == 1
    assert service.seed_products(products=products, seed=seed) == 0
    assert products.count() == 1


def test_an_update_without_changes_leaves_the_product_as_it_was(
        products: Any, create_product: ProductFactory) -> None:
    product = create_product()
    assert service.update_product(products=products, product_id=product.id,
                                  changes={}) == product


def test_an_update_of_a_missing_product_is_not_found(products: Any) -> None:
    with pytest.raises(ProductNotFound):
        service.update_product(products=products, product_id="missing", changes={"name": "x"})


def test_the_service_clock_keeps_only_milliseconds() -> None:
    assert service.now().microsecond % 1000 == 0
