"""Checking out, reading one's orders and cancelling one: the service layer of orders."""

from __future__ import annotations

from chassis.clock import utcnow
from chassis.events import ORDER_CANCELLED

from orders import saga as checkout_saga
from orders.db import Database
from orders.domain import Checkout, InvalidTransition, Order, OrderNotFound
from orders.outbox import OutboxRepository, order_event
from orders.repository import OrderRepository
from orders.saga import Claim, Saga


def checkout(*, saga: Saga, user_id: str, request: Checkout, claim: Claim | None) -> Order:
    """Run the checkout saga for the caller's cart (see saga.py)."""
    return checkout_saga.checkout(saga, user_id=user_id, request=request, claim=claim)


def get(*, db: Database, user_id: str, order_id: str) -> Order:
    """One of the caller's orders; someone else's is :class:`OrderNotFound` too."""
    with db.uow() as uow:
        order = OrderRepository(uow.session).get(order_id)
    if order is None or order.user_id != user_id:
        raise OrderNotFound(order_id)
    return order


def list_page(*, db: Database, user_id: str, offset: int, limit: int) -> tuple[list[Order], int]:
    """The caller's orders, newest first, and how many there are in all."""
    with db.uow() as uow:
        return OrderRepository(uow.session).list_page(user_id=user_id, offset=offset,
                                                      limit=limit)


def cancel(*, saga: Saga, user_id: str, order_id: str) -> Order:
    """Refund, give the stock back, then mark the order cancelled (confirmed orders only).

    Refund and release are idempotent at their services, so a cancel that failed
    half-way (a service down) is safe to repeat.
    """
    order = get(db=saga.db, user_id=user_id, order_id=order_id)
    cancelled = order.moved("cancelled", "refunded", utcnow())
    saga.payments.refund(order.id)
    saga.catalog.release(order.id)
    with saga.db.uow(write=True) as uow:
        orders = OrderRepository(uow.session)
        if not orders.move(cancelled, expected=order.status):
            current = orders.get(order.id)
            raise InvalidTransition(order.id, current.status if current else "gone")
        OutboxRepository(uow.session).add(user_id=user_id, now=cancelled.updated_at,
                                          events=[order_event(ORDER_CANCELLED, cancelled)])
        uow.commit()
    return cancelled
