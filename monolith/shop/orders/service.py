"""Checkout and cancel, each in one database transaction; reading one's own orders."""

from __future__ import annotations

from chassis.clock import utcnow
from chassis.events import ORDER_CANCELLED
from chassis.steps import checkout_finished, checkout_step

from shop.cart.repository import CartRepository
from shop.catalog import service as catalog
from shop.db import Database
from shop.orders import idempotency
from shop.orders.domain import (
    Checkout,
    EmptyCart,
    Order,
    OrderNotCancellable,
    OrderNotFound,
    PaymentDeclined,
)
from shop.orders.idempotency import Keyed, StoredResponse
from shop.orders.outbox import OutboxRepository, checkout_events, order_event
from shop.orders.repository import OrderRepository
from shop.payments import service as payments
from shop.payments.domain import Charge


def checkout(*, db: Database, user_id: str, request: Checkout,
             keyed: Keyed | None = None) -> Order:
    """Turn the whole cart into a confirmed, paid order, or change nothing.

    Raises :class:`EmptyCart`, ``OutOfStock`` (nothing moved) or
    :class:`PaymentDeclined` (everything rolled back but the failed order). The
    Idempotency-Key's answer is stored in the transaction that records the order.
    Each step is timed and traced under the saga's names (chassis.steps).
    """
    try:
        order = _checkout(db=db, user_id=user_id, request=request, keyed=keyed)
    except Exception as exc:
        checkout_finished(exc)
        raise
    checkout_finished("confirmed")
    return order


def _checkout(*, db: Database, user_id: str, request: Checkout, keyed: Keyed | None) -> Order:
    with db.uow(write=True) as uow:
        carts = CartRepository(uow.session)
        with checkout_step("price_cart"):
            cart = carts.get(user_id)
            if cart.is_empty:
                raise EmptyCart()
            order = Order.from_cart(user_id=user_id, cart=cart,
                                    shipping_address=request.shipping_address,
                                    card_last4=request.card.last4, now=utcnow())
        with checkout_step("reserve_stock"):
            catalog.reserve_stock(session=uow.session, lines=order.stock_lines)
        with checkout_step("record_order"):
            OrderRepository(uow.session).add(order)
        with checkout_step("charge") as step:
            charge = payments.authorise(order_id=order.id, card=request.card,
                                        amount_cents=order.total_cents)
            if not charge.captured:
                step.outcome = "declined"
        if charge.captured:
            with checkout_step("clear_cart"):
                carts.clear(user_id)
            with checkout_step("confirm"):
                payments.record(session=uow.session, charge=charge, now=order.created_at)
                OutboxRepository(uow.session).add(user_id=user_id, events=checkout_events(order),
                                                  now=order.created_at)
                if keyed:
                    idempotency.settle(uow.session, keyed, StoredResponse.of(order))
                uow.commit()
            return order
    with checkout_step("mark_failed"):
        declined = _record_declined(db=db, order=order.declined(), charge=charge, keyed=keyed)
    raise PaymentDeclined(declined)


def _record_declined(*, db: Database, order: Order, charge: Charge,
                     keyed: Keyed | None) -> Order:
    """Keep the failed order and its declined charge; stock and cart were rolled back."""
    with db.uow(write=True) as uow:
        OrderRepository(uow.session).add(order)
        payments.record(session=uow.session, charge=charge, now=order.created_at)
        OutboxRepository(uow.session).add(user_id=order.user_id, events=checkout_events(order),
                                          now=order.created_at)
        if keyed:
            idempotency.settle(uow.session, keyed, StoredResponse.of(order))
        uow.commit()
    return order


def cancel(*, db: Database, user_id: str, order_id: str) -> Order:
    """Cancel a confirmed order: refund the charge and give the stock back."""
    now = utcnow()
    with db.uow(write=True) as uow:
        orders = OrderRepository(uow.session)
        order = orders.get(order_id, user_id=user_id)
        if order is None:
            raise OrderNotFound(order_id)
        cancelled = order.cancelled(now)
        if not orders.move(order.id, from_status="confirmed", to_status="cancelled", now=now):
            raise OrderNotCancellable(order.id, "cancelled")
        payments.refund(session=uow.session, order_id=order.id, now=now)
        catalog.release_stock(session=uow.session, lines=order.stock_lines)
        OutboxRepository(uow.session).add(user_id=user_id, now=now,
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
