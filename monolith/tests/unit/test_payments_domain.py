"""The simulated processor (Luhn and expiry: chassis/tests/test_cards.py)."""

from __future__ import annotations

from shop.payments.domain import DECLINED_TEST_CARD, Card, process


def test_the_declined_test_card_is_declined_and_keeps_only_its_last_four_digits() -> None:
    card = Card(number=DECLINED_TEST_CARD, exp_month=1, exp_year=2099, cvc="123")
    charge = process(order_id="o-1", card=card, amount_cents=500)
    assert charge.status == "declined"
    assert charge.card_last4 == "0002"
    assert charge.amount_cents == 500


def test_any_other_valid_card_is_captured() -> None:
    card = Card(number="4242424242424242", exp_month=1, exp_year=2099, cvc="123")
    assert process(order_id="o-1", card=card, amount_cents=500).captured
