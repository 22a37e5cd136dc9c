"""The catalog's use cases, as keyword-only functions over the repositories.

Reservations are the catalog's part in the checkout saga. Without multi-document
transactions, every step is a single-document atomic update and the status of
the reservation document decides who gives stock back: whoever moves it out of
``pending``/``reserved``/``committed`` gives back the lines recorded on it, and
only one caller can make that move, so stock comes back exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from chassis.clock import utcnow

from catalog.domain import (
    RELEASABLE,
    Category,
    NewProduct,
    OutOfStock,
    Product,
    ProductFilter,
    ProductNotFound,
    Reservation,
    ReservationConflict,
    ReservationNotFound,
    ReservationStatus,
    ReservedLine,
    Shortage,
    StockRequest,
)
from catalog.repository import ProductRepository, ReservationRepository

PENDING, RESERVED = ReservationStatus.PENDING, ReservationStatus.RESERVED
COMMITTED, RELEASED = ReservationStatus.COMMITTED, ReservationStatus.RELEASED
_TAKE_ATTEMPTS = 3


def now() -> datetime:
    """The current time at the precision MongoDB stores (milliseconds)."""
    moment = utcnow()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def list_products(*, products: ProductRepository, criteria: ProductFilter, offset: int,
                  limit: int) -> tuple[list[Product], int]:
    """One page of the products matching ``criteria``, and how many match in all."""
    return products.list_page(criteria, offset=offset, limit=limit)


def get_product(*, products: ProductRepository, product_id: str) -> Product:
    """The product, or ProductNotFound (also for an id of the wrong shape)."""
    product = products.get(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def lookup_products(*, products: ProductRepository, product_ids: Iterable[str]) -> list[Product]:
    """The products that exist among ``product_ids``; the rest are left out."""
    return products.get_many(product_ids)


def list_categories(*, products: ProductRepository) -> list[Category]:
    """The distinct categories of existing products, by name, with their counts."""
    return products.categories()


def create_product(*, products: ProductRepository, new: NewProduct) -> Product:
    """Add a product; DuplicateSku when its sku is taken."""
    return products.add(new, now=now())


def update_product(*, products: ProductRepository, product_id: str,
                   changes: Mapping[str, Any]) -> Product:
    """Change some fields of a product; no changes leave it as it is."""
    product = products.update(product_id, changes, now=now()) if changes else None
    return product or get_product(products=products, product_id=product_id)


def delete_product(*, products: ProductRepository, product_id: str) -> None:
    """Delete a product; orders keep their own copy of what was bought."""
    if not products.delete(product_id):
        raise ProductNotFound(product_id)


def seed_products(*, products: ProductRepository, seed: Sequence[NewProduct]) -> int:
    """Load ``seed`` into an empty catalog; a catalog with products is left alone."""
    if products.count() > 0:
        return 0
    return products.add_many(seed, now=now())


def get_reservation(*, reservations: ReservationRepository, order_id: str) -> Reservation:
    """The reservation of an order, or ReservationNotFound."""
    reservation = reservations.get(order_id)
    if reservation is None:
        raise ReservationNotFound(order_id)
    return reservation


def reserve_stock(*, products: ProductRepository, reservations: ReservationRepository,
                  order_id: str, lines: Sequence[StockRequest]) -> Reservation:
    """Take the stock of every line for the order, or none; a repeat answers as the first."""
    if not reservations.add(order_id, PENDING, now=now()):
        return _reservation_again(reservations, order_id)
    taken, shortages = _take_lines(products, reservations, order_id, lines)
    if shortages:
        _reject(products, reservations, order_id, shortages)
    if reservations.transition(order_id, {PENDING}, RESERVED, now=now()) is None:
        raise _released_meanwhile(order_id)
    return Reservation(order_id=order_id, status=RESERVED, lines=tuple(taken))


def release_stock(*, products: ProductRepository, reservations: ReservationRepository,
                  order_id: str) -> Reservation:
    """Give the order's stock back exactly once; an unknown order id leaves a tombstone."""
    for _ in range(_TAKE_ATTEMPTS):
        before = reservations.transition(order_id, RELEASABLE, RELEASED, now=now())
        if before is not None:
            _give_back(products, before.lines)
            return replace(before, status=RELEASED)
        current = reservations.get(order_id)
        if current is not None and current.status is RELEASED:
            return current
        if current is None and reservations.add(order_id, RELEASED, now=now()):
            return Reservation(order_id=order_id, status=RELEASED)
    raise ReservationConflict(f"The reservation for order {order_id!r} keeps changing.")


def commit_stock(*, reservations: ReservationRepository, order_id: str) -> Reservation:
    """Make a reservation final (the order is paid); committing twice is fine."""
    before = reservations.transition(order_id, {RESERVED}, COMMITTED, now=now())
    if before is not None:
        return replace(before, status=COMMITTED)
    current = get_reservation(reservations=reservations, order_id=order_id)
    if current.status is COMMITTED:
        return current
    raise ReservationConflict(
        f"The reservation for order {order_id!r} is {current.status}; it cannot be committed.")


def _take_lines(products: ProductRepository, reservations: ReservationRepository, order_id: str,
                lines: Sequence[StockRequest]) -> tuple[list[ReservedLine], list[Shortage]]:
    """Take line after line; after the first short line the rest are only checked."""
    taken: list[ReservedLine] = []
    shortages: list[Shortage] = []
    for line in lines:
        if shortages:
            available = products.stock_of(line.product_id)
            if available < line.quantity:
                shortages.append(Shortage(line.product_id, line.quantity, available))
            continue
        reserved, shortage = _take_line(products, line)
        if shortage is not None:
            shortages.append(shortage)
            continue
        assert reserved is not None
        taken.append(reserved)
        if not reservations.record_lines(order_id, taken):  # released while we were taking
            products.give_back_stock(reserved.product_id, reserved.quantity)
            raise _released_meanwhile(order_id)
    return taken, shortages


def _take_line(products: ProductRepository,
               line: StockRequest) -> tuple[ReservedLine | None, Shortage | None]:
    available = 0
    for _ in range(_TAKE_ATTEMPTS):  # stock may come back between the two reads
        reserved = products.take_stock(line.product_id, line.quantity)
        if reserved is not None:
            return reserved, None
        available = products.stock_of(line.product_id)
        if available < line.quantity:
            break
    return None, Shortage(line.product_id, line.quantity, available)


def _reject(products: ProductRepository, reservations: ReservationRepository, order_id: str,
            shortages: list[Shortage]) -> None:
    before = reservations.transition(
        order_id, {PENDING}, ReservationStatus.REJECTED, now=now(),
        lines=[], shortages=[asdict(shortage) for shortage in shortages])
    if before is None:
        raise _released_meanwhile(order_id)
    _give_back(products, before.lines)
    raise OutOfStock(tuple(shortages))


def _reservation_again(reservations: ReservationRepository, order_id: str) -> Reservation:
    existing = get_reservation(reservations=reservations, order_id=order_id)
    if existing.status.holds_stock:
        return existing
    if existing.status is ReservationStatus.REJECTED:
        raise OutOfStock(existing.shortages)
    raise ReservationConflict(
        f"The reservation for order {order_id!r} is {existing.status}; it cannot be reserved.")


def _give_back(products: ProductRepository, lines: Iterable[ReservedLine]) -> None:
    for line in lines:
        products.give_back_stock(line.product_id, line.quantity)


def _released_meanwhile(order_id: str) -> ReservationConflict:
    return ReservationConflict(f"The reservation for order {order_id!r} was released meanwhile.")
