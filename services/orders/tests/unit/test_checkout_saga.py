"""The checkout saga against faked catalog, cart and payments (httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from chassis.problems import Unavailable
from orders.db import Database
from orders.domain import Card, Checkout, EmptyCart, OutOfStock, PaymentDeclined, ShippingAddress
from orders.repository import OrderRepository
from orders.saga import Saga
from orders.service import checkout

ADDRESS = ShippingAddress(name="Ada", line1="1 Way", city="London", postal_code="N1",
                          country="GB")


def request(card_number: str = "4242424242424242") -> Checkout:
    return Checkout(card=Card(number=card_number, exp_month=12, exp_year=2100, cvc="123"),
                    shipping_address=ADDRESS)


def stored_orders(db: Database, user_id: str) -> list:
    with db.uow() as uow:
        return OrderRepository(uow.session).list_page(user_id=user_id, offset=0, limit=100)[0]


@pytest.fixture
def cart_of_two(fake, user_id: str, create_product: Callable[..., str]) -> tuple[str, str]:
    """Two products in the cart: 2 x 1000 (sku B) and 1 x 250 (sku A)."""
    first = create_product(sku="B-1", price_cents=1000, stock=5)
    second = create_product(sku="A-1", price_cents=250, stock=1)
    fake.put_in_cart(user_id, first, 2)
    fake.put_in_cart(user_id, second, 1)
    return first, second


def test_a_checkout_confirms_the_order_moves_stock_and_empties_the_cart(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    order = checkout(saga=saga, user_id=user_id, request=request())
    assert order.status == "confirmed" and order.payment.status == "captured"
    assert [line.sku for line in order.lines] == ["A-1", "B-1"]
    assert order.total_cents == 2250 and order.payment.card_last4 == "4242"
    assert fake.stock == {cart_of_two[0]: 3, cart_of_two[1]: 0}
    assert fake.reservations[order.id]["status"] == "committed"
    assert fake.charges[order.id]["amount_cents"] == 2250
    assert user_id not in fake.carts
    assert [o.status for o in stored_orders(saga.db, user_id)] == ["confirmed"]


def test_a_declined_card_fails_the_order_and_gives_the_stock_back(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    with pytest.raises(PaymentDeclined) as declined:
        checkout(saga=saga, user_id=user_id, request=request("4000000000000002"))
    [order] = stored_orders(saga.db, user_id)
    assert order.id == declined.value.order_id
    assert (order.status, order.payment.status) == ("failed", "declined")
    assert fake.stock == {cart_of_two[0]: 5, cart_of_two[1]: 1}
    assert fake.reservations[order.id]["status"] == "released"
    assert len(fake.carts[user_id]) == 2


def test_out_of_stock_leaves_no_order_no_charge_and_the_cart_as_it_was(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.put_in_cart(user_id, cart_of_two[1], 3)
    with pytest.raises(OutOfStock) as short:
        checkout(saga=saga, user_id=user_id, request=request())
    assert [(s.product_id, s.requested, s.available) for s in short.value.shortages] == [
        (cart_of_two[1], 3, 1)]
    assert stored_orders(saga.db, user_id) == []
    assert fake.charges == {} and fake.stock == {cart_of_two[0]: 5, cart_of_two[1]: 1}
    assert fake.carts[user_id][cart_of_two[1]] == 3


def test_an_empty_cart_or_one_of_deleted_products_is_refused(
        saga: Saga, fake, user_id: str, create_product: Callable[..., str]) -> None:
    with pytest.raises(EmptyCart):
        checkout(saga=saga, user_id=user_id, request=request())
    gone = create_product()
    fake.put_in_cart(user_id, gone)
    del fake.products[gone]
    with pytest.raises(EmptyCart):
        checkout(saga=saga, user_id=user_id, request=request())
    assert stored_orders(saga.db, user_id) == []


def test_a_deleted_product_is_left_out_of_the_order(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    del fake.products[cart_of_two[1]]
    order = checkout(saga=saga, user_id=user_id, request=request())
    assert [line.product_id for line in order.lines] == [cart_of_two[0]]


@pytest.mark.parametrize("service", ["cart", "catalog"])
def test_a_checkout_with_cart_or_catalog_down_is_unavailable_and_records_nothing(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str], service: str) -> None:
    fake.down.add(service)
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    assert stored_orders(saga.db, user_id) == [] and fake.charges == {}


def test_a_cart_answering_500_is_unavailable_not_a_crash(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.broken.add("GET /internal/carts/")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    assert stored_orders(saga.db, user_id) == [] and fake.charges == {}


def test_a_cart_that_cannot_price_itself_is_asked_once_not_retried(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    """Its own 503 (the catalog is down behind it) is final: a retry would only ask the
    catalog again."""
    fake.down.add("catalog")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    assert fake.calls.count(f"GET /internal/carts/{user_id}") == 1
    assert saga.cart.http.breaker.state == "closed"


def test_the_cart_is_priced_in_one_call_to_the_cart_service(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    """The cart service answers the priced lines; orders asks the catalog only for stock."""
    order = checkout(saga=saga, user_id=user_id, request=request())
    assert fake.calls[:2] == [f"GET /internal/carts/{user_id}",
                              f"PUT /internal/reservations/{order.id}"]
    assert [call for call in fake.calls if call.startswith("POST /internal/products")] == []


def test_payments_down_leaves_the_order_pending_with_its_stock_reserved(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.down.add("payments")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    [order] = stored_orders(saga.db, user_id)
    assert order.status == "pending"
    assert fake.reservations[order.id]["status"] == "reserved"
    assert fake.charges == {} and len(fake.carts[user_id]) == 2


def test_a_timeout_on_the_charge_is_not_retried_and_leaves_the_order_pending(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.lose_charge_answer = True
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    [order] = stored_orders(saga.db, user_id)
    assert order.status == "pending"
    assert fake.calls.count("POST /internal/charges") == 1
    assert fake.charges[order.id]["status"] == "captured"


def test_a_failed_reservation_is_compensated_and_the_order_failed(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.broken.add("PUT /internal/reservations/")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    [order] = stored_orders(saga.db, user_id)
    assert (order.status, order.payment.status) == ("failed", "pending")
    assert fake.reservations[order.id]["status"] == "released"
    assert fake.charges == {}


def test_a_compensation_that_cannot_run_leaves_the_order_pending(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.broken.add("PUT /internal/reservations/")
    fake.refused.add("POST /internal/reservations/")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    [order] = stored_orders(saga.db, user_id)
    assert order.status == "pending"


def test_a_commit_that_fails_after_the_capture_leaves_the_order_pending(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.broken.add("POST /internal/reservations/")
    with pytest.raises(Unavailable):
        checkout(saga=saga, user_id=user_id, request=request())
    [order] = stored_orders(saga.db, user_id)
    assert order.status == "pending" and fake.charges[order.id]["status"] == "captured"


def test_a_cart_that_cannot_be_cleared_does_not_undo_a_paid_order(
        saga: Saga, fake, user_id: str, cart_of_two: tuple[str, str]) -> None:
    fake.broken.add("POST /internal/carts/")
    order = checkout(saga=saga, user_id=user_id, request=request())
    assert order.status == "confirmed"
    assert len(fake.carts[user_id]) == 2  # the take-out failed: the lines are still there
