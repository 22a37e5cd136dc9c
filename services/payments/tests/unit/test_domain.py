from __future__ import annotations

from datetime import date

import pytest
from payments.domain import (
    Card,
    ChargeStatus,
    InvalidCard,
    authorise,
    card_expired,
    check_card,
    luhn_valid,
)
from payments.schemas import ChargeCreate
from pydantic import ValidationError

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("number", "valid"), [
    ("4242424242424242", True), ("4000000000000002", True), ("79927398713", True),
    ("4242424242424241", False), ("42424242424242a2", False), ("", False)])
def test_the_luhn_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(("month", "year", "expired"), [
    (11, 2026, False), (12, 2030, False), (10, 2026, True), (12, 2025, True)])
def test_a_card_is_good_until_the_end_of_its_month(month: int, year: int, expired: bool) -> None:
    assert card_expired(Card("4242424242424242", month, year, "123"), TODAY) is expired


def test_a_bad_card_is_refused_on_the_field_at_fault() -> None:
    with pytest.raises(InvalidCard) as luhn:
        check_card(Card("4242424242424241", 12, 2030, "123"), TODAY)
    with pytest.raises(InvalidCard) as expiry:
        check_card(Card("4242424242424242", 1, 2026, "123"), TODAY)
    assert (luhn.value.field_name, expiry.value.field_name) == ("card_number", "exp_year")
    assert expiry.value.message == "the card has expired"


def test_the_test_card_is_declined_and_any_other_captured() -> None:
    assert authorise(Card("4000000000000002", 12, 2030, "123")) is ChargeStatus.DECLINED
    assert authorise(Card("4242424242424242", 12, 2030, "123")) is ChargeStatus.CAPTURED


def test_a_card_never_shows_its_number_or_cvc() -> None:
    card = Card("4242424242424242", 12, 2030, "987")
    assert card.last4 == "4242"
    assert "4242424242424242" not in repr(card) and "987" not in repr(card)


def test_a_refused_charge_request_does_not_echo_the_card_number() -> None:
    with pytest.raises(ValidationError) as raised:
        ChargeCreate.model_validate({"order_id": "o", "amount_cents": 1,
                                     "card_number": "42424242424242424242", "exp_month": 1,
                                     "exp_year": 2030, "cvc": "12345"}, strict=True)
    assert "42424242424242424242" not in str(raised.value)
    assert "12345" not in str(raised.value)
