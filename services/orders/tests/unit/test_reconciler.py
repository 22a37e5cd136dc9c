"""The reconciler settles the pending orders a checkout left behind, and only those."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from chassis.background import run_every
from chassis.clock import utcnow
from chassis.problems import Unavailable
from orders.db import Database
from orders.domain import Card, Checkout, Order, ShippingAddress
from orders.reconciler import reconcile_pending
from orders.repository import OrderRepository
from orders.saga import Saga
from orders.service import checkout

ADDRESS = ShippingAddress(name="Ada", line1="1 Way", city="London", postal_code="N1",
                          country="GB")
LATER = timedelta(minutes=5)


def request(card_number: str = "4242424242424242") -> Checkout:
    return Checkout(card=Card(number=card_number, exp_month=12, exp_year=2100, cvc="123"),
                    shipping_address=ADDRESS)


def the_order(db: Database, user_id: str) -> Order:
    with db.uow() as uow:
        [order] = OrderRepository(uow.session).list_page(user_id=user_id, offset=0, limit=10)[0]
    return order


@pytest.fixture
def product(fake, user_id: str, create_product: Callable[..., str]) -> str:
    product_id = create_product(stock=3, price_cents=500)
    fake.put_in_cart(user_id, product_id, 2)
    return product_id


def leave_pending(saga: Saga, user_id: str, card: str = "4242424242424242") -> Order:
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request(card))
    order = the_order(saga.db, user_id)
    assert order.status == "pending"
    return order


def test_a_charge_whose_answer_was_lost_is_confirmed_by_the_reconciler(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.lose_charge_answer = True
    order = leave_pending(saga, user_id)
    fake.lose_charge_answer = False
    outcomes = reconcile_pending(saga=saga, older_than_seconds=60, now=utcnow() + LATER)
    assert outcomes["confirmed"] == 1
    settled = the_order(saga.db, user_id)
    assert (settled.status, settled.payment.status) == ("confirmed", "captured")
    assert fake.reservations[order.id]["status"] == "committed"
    assert fake.stock[product] == 1 and user_id not in fake.carts


def test_an_order_never_charged_is_released_and_failed(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.down.add("payments")
    order = leave_pending(saga, user_id)
    fake.down.clear()
    assert reconcile_pending(saga=saga, older_than_seconds=60, now=utcnow() + LATER)["failed"] == 1
    settled = the_order(saga.db, user_id)
    assert (settled.status, settled.payment.status) == ("failed", "pending")
    assert fake.reservations[order.id]["status"] == "released" and fake.stock[product] == 3
    assert order.id not in fake.charges


def test_a_declined_charge_whose_release_failed_is_settled_as_declined(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.refused.add("POST /internal/reservations/")
    leave_pending(saga, user_id, "4000000000000002")
    fake.refused.clear()
    reconcile_pending(saga=saga, older_than_seconds=60, now=utcnow() + LATER)
    settled = the_order(saga.db, user_id)
    assert (settled.status, settled.payment.status) == ("failed", "declined")
    assert fake.stock[product] == 3


def test_with_payments_unreachable_the_order_waits_for_the_next_round(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.down.add("payments")
    leave_pending(saga, user_id)
    later = utcnow() + LATER
    assert reconcile_pending(saga=saga, older_than_seconds=60, now=later)["deferred"] == 1
    assert the_order(saga.db, user_id).status == "pending"
    fake.down.clear()
    assert reconcile_pending(saga=saga, older_than_seconds=60, now=later)["failed"] == 1


def test_a_young_pending_order_is_left_to_its_checkout(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.down.add("payments")
    leave_pending(saga, user_id)
    fake.down.clear()
    assert reconcile_pending(saga=saga, older_than_seconds=60)["failed"] == 0
    assert the_order(saga.db, user_id).status == "pending"


def test_an_order_leased_by_one_reconciler_is_not_taken_by_another(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.down.add("payments")
    order = leave_pending(saga, user_id)
    fake.down.clear()
    now = utcnow() + LATER
    with saga.db.uow(write=True) as uow:
        assert OrderRepository(uow.session).take_lease(order.id, now=now,
                                                       until=now + timedelta(seconds=60))
        uow.commit()
    assert sum(reconcile_pending(saga=saga, older_than_seconds=60, now=now).values()) == 0
    assert the_order(saga.db, user_id).status == "pending"
    after_lease = now + timedelta(seconds=61)
    assert reconcile_pending(saga=saga, older_than_seconds=60, now=after_lease)["failed"] == 1


def test_the_loop_survives_a_failing_round_and_stops_when_told() -> None:
    stop, rounds = threading.Event(), []

    def round_() -> None:
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("boom")
        stop.set()

    run_every(0.01, round_, stop=stop)
    assert len(rounds) == 2


def test_a_reconciler_told_to_stop_hands_its_batch_back_at_once(
        saga: Saga, fake, user_id: str, product: str) -> None:
    fake.down.add("payments")
    leave_pending(saga, user_id)
    fake.down.clear()
    now, beats = utcnow() + LATER, []
    outcomes = reconcile_pending(saga=saga, older_than_seconds=60, now=now,
                                 stopping=lambda: True, progress=lambda: beats.append(1))
    assert (outcomes["handed_back"], beats) == (1, [1])
    assert the_order(saga.db, user_id).status == "pending"
    # No lease left behind: the next reconciler takes it without waiting for it to expire.
    assert reconcile_pending(saga=saga, older_than_seconds=60, now=now)["failed"] == 1
