from __future__ import annotations

from datetime import date

import pytest
from payments.domain import Card, ChargeStatus, InvalidCard, check_card, process
from payments.schemas import ChargeCreate
from pydantic import ValidationError

TODAY = date(2026, 11, 25)


def test_a_bad_card_is_refused_on_the_field_at_fault() -> None:
    with pytest.raises(InvalidCard) as luhn:
        check_card(Card("4242424242424241", 12, 2030, "123"), TODAY)
    with pytest.raises(InvalidCard) as expiry:
        check_card(Card("4242424242424242", 1, 2026, "123"), TODAY)
    assert (luhn.value.field_name, expiry.value.field_name) == ("card_number", "exp_year")
    assert expiry.value.message == "the card has expired"


def test_the_test_card_is_declined_and_any_other_captured() -> None:
    assert process(Card("4000000000000002", 12, 2030, "123")) is ChargeStatus.DECLINED
    assert process(Card("4242424242424242", 12, 2030, "123")) is ChargeStatus.CAPTURED


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
