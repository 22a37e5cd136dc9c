from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from shop.cart.domain import Cart, CartLine
from shop.orders.domain import Order, OrderNotCancellable, ShippingAddress

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ADDRESS = ShippingAddress(name="Ann", line1="1 Main St", city="Utrecht", postal_code="3511",
                          country="NL")


def _order() -> Order:
    cart = Cart((CartLine("p-2", "SKU-B", "Bee", 250, 2), CartLine("p-1", "SKU-A", "Ay", 100, 3)))
    return Order.from_cart(user_id="u-1", cart=cart, shipping_address=ADDRESS,
                           card_last4="4242", now=NOW)


def test_an_order_from_a_cart_is_confirmed_and_captured_with_lines_by_sku() -> None:
    order = _order()
    assert order.status == "confirmed"
    assert order.payment.status == "captured"
    assert [line.sku for line in order.lines] == ["SKU-A", "SKU-B"]
    assert order.total_cents == 3 * 100 + 2 * 250


def test_an_order_knows_the_stock_each_line_takes() -> None:
    lines = {(line.product_id, line.quantity) for line in _order().stock_lines}
    assert lines == {("p-1", 3), ("p-2", 2)}


def test_a_declined_order_is_failed_with_a_declined_payment() -> None:
    failed = _order().declined()
    assert (failed.status, failed.payment.status) == ("failed", "declined")


def test_a_confirmed_order_cancels_to_cancelled_and_refunded() -> None:
    later = datetime(2026, 11, 26, tzinfo=UTC)
    cancelled = _order().cancelled(later)
    assert (cancelled.status, cancelled.payment.status) == ("cancelled", "refunded")
    assert cancelled.updated_at == later


@pytest.mark.parametrize("make", [lambda o: o.declined(), lambda o: o.cancelled(NOW)])
def test_only_a_confirmed_order_can_be_cancelled(make: Callable[[Order], Order]) -> None:
    with pytest.raises(OrderNotCancellable):
        make(_order()).cancelled(NOW)
