from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from shop.cart import service as cart
from shop.catalog import service as catalog
from shop.catalog.domain import OutOfStock, Product
from shop.db import Database
from shop.orders import service
from shop.orders.domain import (
    Checkout,
    EmptyCart,
    OrderNotCancellable,
    OrderNotFound,
    PaymentDeclined,
    ShippingAddress,
)
from shop.payments.domain import Card
from shop.payments.models import PaymentRow, RefundRow

ADDRESS = ShippingAddress(name="Ann", line1="1 Main St", city="Utrecht", postal_code="3511",
                          country="NL")


def _checkout(number: str = "4242424242424242") -> Checkout:
    return Checkout(card=Card(number=number, exp_month=12, exp_year=2099, cvc="123"),
                    shipping_address=ADDRESS)


def _fill(db: Database, user_id: str, *lines: tuple[Product, int]) -> None:
    for product, quantity in lines:
        cart.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=quantity)


def _stock(db: Database, product: Product) -> int:
    return catalog.get(db=db, product_id=product.id).stock


def test_a_checkout_confirms_the_order_takes_stock_and_empties_the_cart(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id = create_user()
    shirt, mug = create_product(sku="B", price_cents=300, stock=5), create_product(sku="A")
    _fill(db, user_id, (shirt, 2), (mug, 1))
    order = service.checkout(db=db, user_id=user_id, request=_checkout())
    assert (order.status, order.payment.status, order.payment.card_last4) == (
        "confirmed", "captured", "4242")
    assert [line.sku for line in order.lines] == ["A", "B"]
    assert order.total_cents == 2 * 300 + 1000
    assert (_stock(db, shirt), _stock(db, mug)) == (3, 9)
    assert cart.get(db=db, user_id=user_id).is_empty
    assert service.get(db=db, user_id=user_id, order_id=order.id) == order


def test_an_empty_cart_cannot_be_checked_out(db: Database, create_user: Callable[..., str]) -> None:
    with pytest.raises(EmptyCart):
        service.checkout(db=db, user_id=create_user(), request=_checkout())


def test_out_of_stock_moves_nothing_and_leaves_no_order(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id = create_user()
    plenty, few = create_product(stock=10), create_product(stock=1)
    _fill(db, user_id, (plenty, 2), (few, 3))
    with pytest.raises(OutOfStock) as caught:
        service.checkout(db=db, user_id=user_id, request=_checkout())
    assert [(s.product_id, s.requested, s.available) for s in caught.value.shortages] == [
        (few.id, 3, 1)]
    assert (_stock(db, plenty), _stock(db, few)) == (10, 1)
    assert cart.get(db=db, user_id=user_id).item_count == 5
    assert service.list_page(db=db, user_id=user_id, offset=0, limit=20) == ([], 0)


def test_a_declined_card_keeps_a_failed_order_and_changes_nothing_else(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product(stock=4)
    _fill(db, user_id, (product, 2))
    with pytest.raises(PaymentDeclined) as caught:
        service.checkout(db=db, user_id=user_id, request=_checkout("4000000000000002"))
    failed = service.get(db=db, user_id=user_id, order_id=caught.value.order_id)
    assert (failed.status, failed.payment.status, failed.payment.card_last4) == (
        "failed", "declined", "0002")
    assert _stock(db, product) == 4
    assert cart.get(db=db, user_id=user_id).item_count == 2


def test_cancelling_refunds_the_charge_and_gives_the_stock_back(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product(stock=4)
    _fill(db, user_id, (product, 3))
    order = service.checkout(db=db, user_id=user_id, request=_checkout())
    cancelled = service.cancel(db=db, user_id=user_id, order_id=order.id)
    assert (cancelled.status, cancelled.payment.status) == ("cancelled", "refunded")
    assert service.get(db=db, user_id=user_id, order_id=order.id) == cancelled
    assert _stock(db, product) == 4
    with db.uow() as uow:
        assert uow.session.get(PaymentRow, order.id).status == "refunded"  # type: ignore[union-attr]
        refunds = uow.session.scalar(select(func.count()).select_from(RefundRow)
                                     .where(RefundRow.order_id == order.id))
    assert refunds == 1


def test_only_a_confirmed_order_can_be_cancelled(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product(stock=4)
    _fill(db, user_id, (product, 1))
    order = service.checkout(db=db, user_id=user_id, request=_checkout())
    service.cancel(db=db, user_id=user_id, order_id=order.id)
    with pytest.raises(OrderNotCancellable):
        service.cancel(db=db, user_id=user_id, order_id=order.id)
    assert _stock(db, product) == 4


def test_someone_elses_order_is_not_found(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    owner, stranger, product = create_user(), create_user(), create_product()
    _fill(db, owner, (product, 1))
    order = service.checkout(db=db, user_id=owner, request=_checkout())
    with pytest.raises(OrderNotFound):
        service.get(db=db, user_id=stranger, order_id=order.id)
    with pytest.raises(OrderNotFound):
        service.cancel(db=db, user_id=stranger, order_id=order.id)


def test_an_order_keeps_its_copy_after_the_product_changes_or_goes(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product(name="Lamp", price_cents=500)
    _fill(db, user_id, (product, 1))
    order = service.checkout(db=db, user_id=user_id, request=_checkout())
    catalog.update(db=db, product_id=product.id, changes={"name": "New", "price_cents": 9})
    catalog.delete(db=db, product_id=product.id)
    kept = service.get(db=db, user_id=user_id, order_id=order.id)
    assert [(line.name, line.unit_price_cents) for line in kept.lines] == [("Lamp", 500)]


def test_orders_are_listed_newest_first(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product()
    placed = []
    for _ in range(3):
        _fill(db, user_id, (product, 1))
        placed.append(service.checkout(db=db, user_id=user_id, request=_checkout()).id)
    orders, total = service.list_page(db=db, user_id=user_id, offset=0, limit=2)
    assert total == 3
    assert [order.id for order in orders] == placed[::-1][:2]
