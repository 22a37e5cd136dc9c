"""The steps of the checkout saga (docs/microservices.md, "orders"), which
``service.checkout`` runs in this order:

    price the cart ─▶ record pending ─▶ reserve stock ─▶ charge ─▶ commit + confirm ─▶ empty cart
                                          │ short: delete     │ declined: release + fail (402)
                                          │ down: release     │ unknown (timeout): stay pending,
                                          ▼   + fail (503)    ▼   the reconciler settles it

Each step is idempotent per order id at its service, so repeating one (a retry,
the reconciler) moves nothing twice. ``complete`` and ``abandon`` are shared
with the reconciler; a compensation that cannot run now (its service is down)
leaves the order pending for the reconciler's next round, so no stock leaks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from chassis.clock import utcnow
from chassis.problems import Unavailable
from chassis.steps import checkout_step

from orders.clients import CartClient, CatalogClient, PaymentsClient, ReservationRefused
from orders.db import Database
from orders.domain import (
    Card,
    Charge,
    ChargeStatus,
    EmptyCart,
    IdempotencyInProgress,
    Order,
    OrderLine,
    OrderStatus,
    OutOfStock,
)
from orders.idempotency import Keyed, StoredResponse
from orders.outbox import OutboxRepository, settled_events
from orders.repository import IdempotencyRepository, OrderRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saga:
    db: Database
    cart: CartClient
    catalog: CatalogClient
    payments: PaymentsClient
    idempotency_ttl_seconds: int = 24 * 3600


class SettledElsewhere(Exception):
    """Another process moved the order first; ``current`` is what it is now."""

    def __init__(self, current: Order | None) -> None:
        super().__init__(current.status if current else "gone")
        self.current = current


def price_cart(saga: Saga, user_id: str) -> list[OrderLine]:
    """The cart's lines at today's catalog prices, in one call: the cart service prices
    them itself and leaves deleted products out."""
    lines = saga.cart.priced_lines(user_id)
    if not lines:
        raise EmptyCart()
    return lines


def record_pending(db: Database, order: Order, keyed: Keyed | None) -> None:
    """The order, pending, before anything moves; the key it runs under is tied to it
    (unless another request took the key over meanwhile: then nothing is recorded)."""
    with db.uow(write=True) as uow:
        OrderRepository(uow.session).add(order)
        keys = IdempotencyRepository(uow.session)
        if keyed is not None and not keys.bind(user_id=keyed.user_id, key=keyed.key,
                                               claimed_at=keyed.claimed_at, order_id=order.id):
            raise IdempotencyInProgress(keyed.key)
        uow.commit()


def reserve(saga: Saga, order: Order) -> None:
    """Reserve every line; out of stock leaves no order behind."""
    try:
        with checkout_step("reserve_stock"):
            saga.catalog.reserve(order.id, order.lines)
    except OutOfStock:
        forget(saga.db, order.id)
        raise
    except (Unavailable, ReservationRefused) as exc:
        log.warning("reservation failed; compensating", extra={"order_id": order.id})
        abandon(saga, order, "pending")
        raise Unavailable("The stock could not be reserved; nothing was charged.") from exc


def authorise(saga: Saga, order: Order, card: Card) -> Charge:
    """Charge the order's total once (payments answers a repeat with the first charge);
    an unknown outcome (a timeout: the POST is never retried) leaves the order pending."""
    try:
        return saga.payments.authorise(order_id=order.id, card=card,
                                       amount_cents=order.total_cents)
    except Unavailable:
        log.warning("charge outcome unknown; order left pending", extra={"order_id": order.id})
        raise


def complete(saga: Saga, order: Order) -> Order:
    """Captured: commit the reservation, confirm the order, then take what it bought out
    of the cart (not the whole cart: a reconciler confirms late, after the user may have
    filled it again)."""
    with checkout_step("confirm"):
        saga.catalog.commit(order.id)
        try:
            confirmed = settle(saga, order, "confirmed", "captured")
        except SettledElsewhere as race:
            if race.current is not None and race.current.status == "confirmed":
                return race.current
            log.error("captured order was failed meanwhile; refunding",
                      extra={"order_id": order.id})
            saga.payments.refund(order.id)
            raise Unavailable("The checkout took too long and was undone.") from race
    with checkout_step("clear_cart") as step:
        try:
            saga.cart.take_out(order.user_id, order.lines)
        except Unavailable:
            step.outcome = "unavailable"
            log.warning("cart not cleared after checkout", extra={"order_id": order.id})
    return confirmed


def abandon(saga: Saga, order: Order, payment: ChargeStatus) -> Order:
    """Declined or never charged: give the stock back, then mark the order failed."""
    with checkout_step("release_stock"):
        saga.catalog.release(order.id)
    with checkout_step("mark_failed"):
        try:
            return settle(saga, order, "failed", payment)
        except SettledElsewhere as race:
            if race.current is None:
                raise
            return race.current


def settle(saga: Saga, order: Order, status: OrderStatus, payment: ChargeStatus) -> Order:
    """Move a pending order on, and settle its Idempotency-Key in the same transaction:
    keep the 201 or the 402 for replays, free the key of an order that was never charged."""
    moved = order.moved(status, payment, utcnow())
    with saga.db.uow(write=True) as uow:
        orders = OrderRepository(uow.session)
        if not orders.move(moved, expected=order.status):
            raise SettledElsewhere(orders.get(order.id))
        OutboxRepository(uow.session).add(
            user_id=order.user_id, now=moved.updated_at,
            events=settled_events(order, moved))
        keys = IdempotencyRepository(uow.session)
        if moved.payment.status in ("captured", "declined"):
            answer = StoredResponse.of(moved)
            keys.complete_for_order(
                order.id, status_code=answer.status_code, body=answer.body,
                expires_at=utcnow() + timedelta(seconds=saga.idempotency_ttl_seconds))
        else:
            keys.release_for_order(order.id)
        uow.commit()
    return moved


def forget(db: Database, order_id: str) -> None:
    """Delete an order that never got stock (and free its key): it never shows up."""
    with db.uow(write=True) as uow:
        OrderRepository(uow.session).delete(order_id)
        IdempotencyRepository(uow.session).release_for_order(order_id)
        uow.commit()

