"""The checkout saga, orchestrated here (docs/microservices.md, "orders"):

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
from chassis.problems import PaymentDeclinedProblem, Unavailable
from chassis.steps import checkout_finished, checkout_step

from orders.clients import CartClient, CatalogClient, PaymentsClient, ReservationRefused
from orders.db import Database
from orders.domain import (
    ChargeStatus,
    Checkout,
    EmptyCart,
    Order,
    OrderLine,
    OrderStatus,
    OutOfStock,
    PaymentDeclined,
)
from orders.outbox import OutboxRepository, settled_events
from orders.repository import IdempotencyRepository, OrderRepository
from orders.schemas import OrderOut

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saga:
    db: Database
    cart: CartClient
    catalog: CatalogClient
    payments: PaymentsClient
    idempotency_ttl_seconds: int = 24 * 3600


@dataclass(frozen=True)
class Claim:
    """The Idempotency-Key a checkout runs under, tied to its order once there is one."""

    user_id: str
    key: str


class SettledElsewhere(Exception):
    """Another process moved the order first; ``current`` is what it is now."""

    def __init__(self, current: Order | None) -> None:
        super().__init__(current.status if current else "gone")
        self.current = current


def checkout(saga: Saga, *, user_id: str, request: Checkout, claim: Claim | None) -> Order:
    """Turn the caller's cart into a confirmed order, or raise why not (each step is
    timed and traced: chassis.steps)."""
    try:
        order = _checkout(saga, user_id=user_id, request=request, claim=claim)
    except Exception as exc:
        checkout_finished(exc)
        raise
    checkout_finished("confirmed")
    return order


def _checkout(saga: Saga, *, user_id: str, request: Checkout, claim: Claim | None) -> Order:
    with checkout_step("price_cart"):
        lines = price_cart(saga, user_id)
    order = Order.pending(user_id=user_id, lines=lines, shipping_address=request.shipping_address,
                          card_last4=request.card.last4, now=utcnow())
    with checkout_step("record_order"):
        record_pending(saga.db, order, claim)
    reserve(saga, order)
    with checkout_step("charge") as step:
        try:
            charge = saga.payments.charge(order.id, order.total_cents, request.card)
        except Unavailable:
            log.warning("charge outcome unknown; order left pending",
                        extra={"order_id": order.id})
            raise
        if charge.status != "captured":
            step.outcome = "declined"
    if charge.status != "captured":
        abandon(saga, order, "declined")
        raise PaymentDeclined(order.id)
    return complete(saga, order)


def price_cart(saga: Saga, user_id: str) -> list[OrderLine]:
    """The cart's lines at today's catalog prices; deleted products are left out."""
    cart = saga.cart.lines(user_id)
    products = saga.catalog.lookup([line.product_id for line in cart]) if cart else {}
    lines = [OrderLine.of(products[line.product_id], line.quantity)
             for line in cart if line.product_id in products]
    if not lines:
        raise EmptyCart()
    return lines


def record_pending(db: Database, order: Order, claim: Claim | None) -> None:
    with db.uow(write=True) as uow:
        OrderRepository(uow.session).add(order)
        if claim is not None:
            IdempotencyRepository(uow.session).bind(user_id=claim.user_id, key=claim.key,
                                                    order_id=order.id)
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
        expires_at = utcnow() + timedelta(seconds=saga.idempotency_ttl_seconds)
        if moved.status == "confirmed":
            keys.complete_for_order(order.id, status_code=201, expires_at=expires_at,
                                    body=OrderOut.from_domain(moved).model_dump(mode="json"))
        elif moved.payment.status == "declined":
            keys.complete_for_order(order.id, status_code=402, expires_at=expires_at,
                                    body=PaymentDeclinedProblem(order.id).body())
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

