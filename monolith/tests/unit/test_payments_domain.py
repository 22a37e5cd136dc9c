from __future__ import annotations

from datetime import date

import pytest

from shop.payments.domain import DECLINED_TEST_CARD, Card, is_expired, luhn_valid, process


@pytest.mark.parametrize("number", ["4242424242424242", "4000000000000002", "79927398713"])
def test_numbers_with_a_correct_check_digit_pass_luhn(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "1234567812345678", "42424242x4242424", ""])
def test_numbers_with_a_wrong_check_digit_or_non_digits_fail_luhn(number: str) -> None:
    assert not luhn_valid(number)


def test_a_card_is_good_through_the_last_day_of_its_expiry_month() -> None:
    today = date(2026, 11, 25)
    assert not is_expired(11, 2026, today)
    assert not is_expired(1, 2027, today)
    assert is_expired(10, 2026, today)
    assert is_expired(12, 2025, today)


def test_the_declined_test_card_is_declined_and_keeps_only_its_last_four_digits() -> None:
    card = Card(number=DECLINED_TEST_CARD, exp_month=1, exp_year=2099, cvc="123")
    charge = process(order_id="o-1", card=card, amount_cents=500)
    assert charge.status == "declined"
    assert charge.card_last4 == "0002"
    assert charge.amount_cents == 500


def test_any_other_valid_card_is_captured() -> None:
    card = Card(number="4242424242424242", exp_month=1, exp_year=2099, cvc="123")
    assert process(order_id="o-1", card=card, amount_cents=500).captured


def test_a_card_never_shows_its_number_or_cvc_in_its_repr() -> None:
    card = Card(number="4242424242424242", exp_month=1, exp_year=2099, cvc="987")
    assert "4242424242424242" not in repr(card)
    assert "987" not in repr(card)
