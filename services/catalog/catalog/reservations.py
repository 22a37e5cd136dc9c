"""Reservations: the catalog's steps in the checkout saga, one reservation per order.

The monolith takes stock inside the checkout's own transaction. Here, without
multi-document transactions, every step is a single-document atomic update and
the status of the reservation document decides who gives stock back: whoever
moves it out of ``pending``/``reserved``/``committed`` gives back the lines
recorded on it, and only one caller can make that move, so stock comes back
exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace

from catalog.db import Database, now
from catalog.domain import (
    RELEASABLE,
    OutOfStock,
    Reservation,
    ReservationConflict,
    ReservationNotFound,
    ReservationStatus,
    ReservedLine,
    Shortage,
    StockLine,
)
from catalog.repository import ProductRepository, ReservationRepository

PENDING, RESERVED = ReservationStatus.PENDING, ReservationStatus.RESERVED
COMMITTED, RELEASED = ReservationStatus.COMMITTED, ReservationStatus.RELEASED
_TAKE_ATTEMPTS = 3


def get_reservation(*, db: Database, order_id: str) -> Reservation:
    """The reservation of an order, or :class:`ReservationNotFound`."""
    reservation = ReservationRepository(db).get(order_id)
    if reservation is None:
        raise ReservationNotFound(order_id)
    return reservation


def reserve_stock(*, db: Database, order_id: str, lines: Sequence[StockLine]) -> Reservation:
    """Take the stock of every line for the order, or none; a repeat answers as the first."""
    products, reservations = ProductRepository(db), ReservationRepository(db)
    if not reservations.add(order_id, PENDING, now()):
        return _reservation_again(db, order_id)
    taken, shortages = _take_lines(products, reservations, order_id, lines)
    if shortages:
        _reject(products, reservations, order_id, shortages)
    if reservations.transition(order_id, {PENDING}, RESERVED, now(),
                               lines=[asdict(line) for line in taken]) is None:
        _give_back(products, taken[-1:])  # a release gave back the lines recorded before it
        raise _released_meanwhile(order_id)
    return Reservation(order_id=order_id, status=RESERVED, lines=tuple(taken))


def release_stock(*, db: Database, order_id: str) -> Reservation:
    """Give the order's stock back exactly once; an unknown order id leaves a tombstone."""
    products, reservations = ProductRepository(db), ReservationRepository(db)
    for _ in range(_TAKE_ATTEMPTS):
        before = reservations.transition(order_id, RELEASABLE, RELEASED, now())
        if before is not None:
            _give_back(products, before.lines)
            return replace(before, status=RELEASED)
        current = reservations.get(order_id)
        if current is not None and current.status is RELEASED:
            return current
        if current is None and reservations.add(order_id, RELEASED, now()):
            return Reservation(order_id=order_id, status=RELEASED)
    raise ReservationConflict(f"The reservation for order {order_id!r} keeps changing.")


def commit_stock(*, db: Database, order_id: str) -> Reservation:
    """Make a reservation final (the order is paid); committing twice is fine."""
    before = ReservationRepository(db).transition(order_id, {RESERVED}, COMMITTED, now())
    if before is not None:
        return replace(before, status=COMMITTED)
    current = get_reservation(db=db, order_id=order_id)
    if current.status is COMMITTED:
        return current
    raise ReservationConflict(
        f"The reservation for order {order_id!r} is {current.status}; it cannot be committed.")


def _take_lines(products: ProductRepository, reservations: ReservationRepository, order_id: str,
                lines: Sequence[StockLine]) -> tuple[list[ReservedLine], list[Shortage]]:
    """Take line after line; after the first short line the rest are only checked.

    What is taken is recorded on the reservation before the next line is taken, so
    that whoever moves the reservation out of ``pending`` gives back every line but
    the newest; the newest is recorded by the move that ends ``pending``, one write
    fewer per reservation than recording it here (docs/performance.md, "Checkout")."""
    taken: list[ReservedLine] = []
    shortages: list[Shortage] = []
    for line in lines:
        if shortages:
            available = products.stock_of(line.product_id)
            if available < line.quantity:
                shortages.append(Shortage(line.product_id, line.quantity, available))
            continue
        if taken and not reservations.record_lines(order_id, taken):  # released meanwhile
            _give_back(products, taken[-1:])
            raise _released_meanwhile(order_id)
        reserved, shortage = _take_line(products, line)
        if shortage is not None:
            shortages.append(shortage)
            continue
        assert reserved is not None
        taken.append(reserved)
    return taken, shortages


def _take_line(products: ProductRepository,
               line: StockLine) -> tuple[ReservedLine | None, Shortage | None]:
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
        order_id, {PENDING}, ReservationStatus.REJECTED, now(),
        lines=[], shortages=[asdict(shortage) for shortage in shortages])
    if before is None:
        raise _released_meanwhile(order_id)
    _give_back(products, before.lines)
    raise OutOfStock(shortages)


def _reservation_again(db: Database, order_id: str) -> Reservation:
    existing = get_reservation(db=db, order_id=order_id)
    if existing.status.holds_stock:
        return existing
    if existing.status is ReservationStatus.REJECTED:
        raise OutOfStock(list(existing.shortages))
    raise ReservationConflict(
        f"The reservation for order {order_id!r} is {existing.status}; it cannot be reserved.")


def _give_back(products: ProductRepository, lines: Iterable[ReservedLine]) -> None:
    for line in lines:
        products.give_back_stock(line.product_id, line.quantity)


def _released_meanwhile(order_id: str) -> ReservationConflict:
    return ReservationConflict(f"The reservation for order {order_id!r} was released meanwhile.")
