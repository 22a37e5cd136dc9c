"""Pure rules (Luhn and expiry: chassis/tests/test_cards.py): state transitions, the
checkout body, settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from chassis.problems import ValidationFailed
from chassis.validation import validate_body
from orders.config import Settings
from orders.domain import (
    InvalidTransition,
    Order,
    OrderLine,
    OrderNotCancellable,
    ShippingAddress,
)
from orders.schemas import CheckoutRequest
from pydantic import SecretStr

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ADDRESS = ShippingAddress(name="A", line1="B", city="C", postal_code="D", country="E")


def an_order() -> Order:
    lines = [OrderLine("p2", "SKU-B", "B", 300, 2), OrderLine("p1", "SKU-A", "A", 100, 1)]
    return Order.pending(user_id="u", lines=lines, shipping_address=ADDRESS, card_last4="4242",
                         now=NOW)


def test_a_new_order_is_pending_with_lines_by_sku_and_a_total() -> None:
    order = an_order()
    assert order.status == "pending" and order.payment.status == "pending"
    assert [line.sku for line in order.lines] == ["SKU-A", "SKU-B"]
    assert order.total_cents == 700


def test_only_the_saga_s_transitions_are_allowed() -> None:
    confirmed = an_order().moved("confirmed", "captured", NOW)
    assert confirmed.moved("cancelled", "refunded", NOW).status == "cancelled"
    failed = an_order().moved("failed", "declined", NOW)
    for order, status, payment in [(failed, "cancelled", "refunded"),
                                   (an_order(), "cancelled", "refunded"),
                                   (confirmed, "failed", "declined"),
                                   (an_order(), "confirmed", "declined")]:
        with pytest.raises(InvalidTransition):
            order.moved(status, payment, NOW)  # type: ignore[arg-type]


def test_only_a_confirmed_order_can_be_cancelled() -> None:
    confirmed = an_order().moved("confirmed", "captured", NOW)
    cancelled = confirmed.cancelled(NOW)
    assert (cancelled.status, cancelled.payment.status) == ("cancelled", "refunded")
    for order in (an_order(), an_order().moved("failed", "declined", NOW), cancelled):
        with pytest.raises(OrderNotCancellable):
            order.cancelled(NOW)


def body(**payment: object) -> dict[str, object]:
    return {"payment": {"card_number": "4242424242424242", "exp_month": 12,
                        "exp_year": date.today().year + 1, "cvc": "123", **payment},
            "shipping_address": {"name": "A", "line1": "B", "city": "C", "postal_code": "D",
                                 "country": "E"}}


@pytest.mark.parametrize(("payment", "field"), [
    ({"card_number": "4242424242424241"}, "payment.card_number"),
    ({"card_number": "4242"}, "payment.card_number"),
    ({"exp_month": "12"}, "payment.exp_month"),
    ({"exp_month": 13}, "payment.exp_month"),
    ({"exp_year": 2001, "exp_month": 1}, "payment.exp_year"),
    ({"cvc": 123}, "payment.cvc"),
])
def test_a_bad_payment_names_the_offending_field(payment: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(CheckoutRequest, json.dumps(body(**payment)))
    assert [error["field"] for error in caught.value.extra["errors"]] == [field]


def test_the_fingerprint_ignores_key_order_but_not_values() -> None:
    one = validate_body(CheckoutRequest, json.dumps(body()))
    same = validate_body(CheckoutRequest, json.dumps(body(), sort_keys=True))
    other = validate_body(CheckoutRequest, json.dumps(body(exp_month=11)))
    assert one.fingerprint() == same.fingerprint() != other.fingerprint()


def test_the_fingerprint_holds_neither_the_whole_card_number_nor_the_cvc() -> None:
    one = validate_body(CheckoutRequest, json.dumps(body()))
    other_cvc = validate_body(CheckoutRequest, json.dumps(body(cvc="999")))
    same_last4 = validate_body(CheckoutRequest,
                               json.dumps(body(card_number="4000001000004242")))
    assert one.fingerprint() == other_cvc.fingerprint() == same_last4.fingerprint()


def test_the_card_number_never_shows_in_a_repr() -> None:
    checkout = validate_body(CheckoutRequest, json.dumps(body())).to_domain()
    assert "4242424242424242" not in repr(checkout) and "123" not in repr(checkout.card)


def test_production_refuses_missing_or_short_internal_tokens() -> None:
    with pytest.raises(ValueError, match="CATALOG_TOKEN, CART_TOKEN, PAYMENTS_TOKEN"):
        Settings(environment="production")
    with pytest.raises(ValueError, match="CART_TOKEN"):
        Settings(environment="production", catalog_token="x" * 32, cart_token="orders-dev",
                 payments_token="y" * 32)
    assert Settings(environment="production", catalog_token=SecretStr("x" * 32),
                    cart_token=SecretStr("y" * 32), payments_token=SecretStr("z" * 32))


def test_database_urls_default_to_sqlite_and_name_the_psycopg_driver(tmp_path) -> None:
    assert Settings(data_dir=tmp_path).sqlalchemy_url == (
        f"sqlite:///{tmp_path / 'orders' / 'orders.db'}")
    assert Settings(database_url="postgres://db/orders").sqlalchemy_url == (
        "postgresql+psycopg://db/orders")
