"""The reconciler on real databases: it settles a pending order left behind, and two
reconcilers never take the same order (SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from chassis.clock import utcnow
from orders.app import make_saga
from orders.config import Settings
from orders.db import Database
from orders.domain import Order, OrderLine, ShippingAddress
from orders.reconciler import reconcile_pending
from orders.repository import OrderRepository
from orders.saga import record_pending
from sqlalchemy.orm import Session

ADDRESS = ShippingAddress(name="Ada", line1="1 Way", city="London", postal_code="N1",
                          country="GB")


def left_behind(db: Database, fake, minutes_ago: int = 10) -> Order:
    """A pending order whose checkout crashed after the charge was captured."""
    product_id = fake.add_product(stock=4)
    order = Order.pending(user_id="u1", lines=[OrderLine(product_id, "SKU", "Cup", 700, 1)],
                          shipping_address=ADDRESS, card_last4="4242",
                          now=utcnow() - timedelta(minutes=minutes_ago))
    record_pending(db, order, None)
    fake.reservations[order.id] = {"status": "reserved",
                                   "lines": [{"product_id": product_id, "quantity": 1}]}
    fake.stock[product_id] -= 1
    fake.charges[order.id] = {"order_id": order.id, "status": "captured"}
    return order


def test_the_reconciler_confirms_a_pending_order_left_behind(database: Database, fake,
                                                             settings: Settings) -> None:
    saga = make_saga(settings, database, httpx.MockTransport(fake.handle))
    order = left_behind(database, fake)
    assert reconcile_pending(saga=saga, older_than_seconds=60)["confirmed"] == 1
    with database.uow() as uow:
        stored = OrderRepository(uow.session).get(order.id)
    assert stored is not None and stored.status == "confirmed"
    assert fake.reservations[order.id]["status"] == "committed"
    assert reconcile_pending(saga=saga, older_than_seconds=60)["confirmed"] == 0


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_order_locked_by_one_reconciler_is_skipped_by_another(database: Database,
                                                                 fake) -> None:
    order = left_behind(database, fake)
    now = utcnow()
    with Session(database.engine) as first, Session(database.engine) as second:
        mine = OrderRepository(first).stale_pending(created_before=now, now=now, limit=10)
        theirs = OrderRepository(second).stale_pending(created_before=now, now=now, limit=10)
        assert mine == [order.id] and theirs == []
        first.rollback()
        second.rollback()
