"""The one Luhn check and card of both shops (chassis.cards)."""

from __future__ import annotations

from datetime import date

import pytest
from chassis.cards import Card, is_expired, luhn_valid

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("number", "valid"), [
    ("4242424242424242", True), ("4000000000000002", True), ("79927398713", True),
    ("4242424242424241", False), ("42424242424242a2", False), ("", False)])
def test_the_luhn_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(("month", "year", "expired"), [
    (11, 2026, False), (12, 2030, False), (10, 2026, True), (12, 2025, True)])
def test_a_card_is_good_until_the_end_of_its_month(month: int, year: int, expired: bool) -> None:
    assert is_expired(month, year, TODAY) is expired
    assert Card("4242424242424242", month, year, "123").expired(TODAY) is expired


def test_a_card_shows_only_its_last_four_digits() -> None:
    card = Card("4242424242424242", 12, 2030, "987")
    assert card.last4 == "4242"
    assert "4242424242424242" not in repr(card) and "987" not in repr(card)
