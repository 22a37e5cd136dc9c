"""Checkout and cancel, each a saga over catalog, payments and cart; reading one's own orders."""

from __future__ import annotations

from chassis.clock import utcnow
from chassis.events import ORDER_CANCELLED
from chassis.steps import checkout_finished, checkout_step

from orders.db import Database
from orders.domain import (
    Checkout,
    Order,
    OrderNotCancellable,
    OrderNotFound,
    PaymentDeclined,
)
from orders.idempotency import Keyed
from orders.outbox import OutboxRepository, order_event
from orders.repository import OrderRepository
from orders.saga import (
    Saga,
    abandon,
    authorise,
    complete,
    price_cart,
    record_pending,
    reserve,
)


def checkout(*, saga: Saga, user_id: str, request: Checkout,
             keyed: Keyed | None = None) -> Order:
    """Turn the whole cart into a confirmed, paid order, or change nothing.

    Raises :class:`EmptyCart`, ``OutOfStock`` (nothing moved) or
    :class:`PaymentDeclined` (everything given back but the failed order).
    Each step is timed and traced under the saga's names (chassis.steps).
    """
    try:
        order = _checkout(saga=saga, user_id=user_id, request=request, keyed=keyed)
    except Exception as exc:
        checkout_finished(exc)
        raise
    checkout_finished("confirmed")
    return order


def _checkout(*, saga: Saga, user_id: str, request: Checkout, keyed: Keyed | None) -> Order:
    with checkout_step("price_cart"):
        order = Order.pending(user_id=user_id, lines=price_cart(saga, user_id),
                              shipping_address=request.shipping_address,
                              card_last4=request.card.last4, now=utcnow())
    with checkout_step("record_order"):
        record_pending(saga.db, order, keyed)
    reserve(saga, order)
    with checkout_step("charge") as step:
        charge = authorise(saga, order, request.card)
        if not charge.captured:
            step.outcome = "declined"
    if charge.captured:
        return complete(saga, order)
    raise PaymentDeclined(abandon(saga, order, "declined"))


def cancel(*, saga: Saga, user_id: str, order_id: str) -> Order:
    """Cancel a confirmed order: refund the charge and give the stock back.

    Refund and release are idempotent at their services, so a cancel that failed
    half-way (a service down) is safe to repeat.
    """
    order = get(db=saga.db, user_id=user_id, order_id=order_id)
    cancelled = order.cancelled(utcnow())
    saga.payments.refund(order.id)
    saga.catalog.release(order.id)
    with saga.db.uow(write=True) as uow:
        orders = OrderRepository(uow.session)
        if not orders.move(cancelled, expected=order.status):
            current = orders.get(order.id)
            raise OrderNotCancellable(order.id, current.status if current else "gone")
        OutboxRepository(uow.session).add(user_id=user_id, now=cancelled.updated_at,
                                          events=[order_event(ORDER_CANCELLED, cancelled)])
        uow.commit()
    return cancelled


def get(*, db: Database, user_id: str, order_id: str) -> Order:
    """One of the caller's orders; anyone else's is :class:`OrderNotFound`."""
    with db.uow() as uow:
        order = OrderRepository(uow.session).get(order_id, user_id=user_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


def list_page(*, db: Database, user_id: str, offset: int, limit: int) -> tuple[list[Order], int]:
    """A page of the caller's orders, newest first, and how many there are."""
    with db.uow() as uow:
        return OrderRepository(uow.session).list_page(user_id=user_id, offset=offset, limit=limit)
