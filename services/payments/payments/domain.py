"""The payments domain: cards, charges and the rules of the simulated processor.

    PaymentError
     ├── InvalidCard        the number fails Luhn, or the card has expired (a 422)
     ├── ChargeNotFound     no charge for the order id
     ├── NotRefundable      only a captured charge can be refunded
     └── DuplicateCharge    the order id was charged meanwhile (a race, settled by the service)

``Card`` and the Luhn check are the chassis's (chassis.cards), the same in the
monolith and the orders service; only the last four digits of a number are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from chassis.cards import Card, luhn_valid

DECLINED_TEST_CARD = "4000000000000002"


class ChargeStatus(StrEnum):
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class Charge:
    order_id: str
    status: ChargeStatus
    card_last4: str
    amount_cents: int
    created_at: datetime
    updated_at: datetime


class PaymentError(Exception):
    pass


class InvalidCard(PaymentError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


class ChargeNotFound(PaymentError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No charge exists for the order {order_id!r}.")


class NotRefundable(PaymentError):
    def __init__(self, order_id: str, status: ChargeStatus) -> None:
        super().__init__(f"The charge for the order {order_id!r} is {status}; "
                         "only a captured charge can be refunded.")


class DuplicateCharge(PaymentError):
    pass


def check_card(card: Card, today: date) -> None:
    """InvalidCard unless the number passes Luhn and the card has not expired."""
    if not luhn_valid(card.number):
        raise InvalidCard("card_number", "the card number is not valid")
    if card.expired(today):
        raise InvalidCard("exp_year", "the card has expired")


def process(card: Card) -> ChargeStatus:
    """The simulated processor's verdict: one test number is declined, every other captured."""
    if card.number == DECLINED_TEST_CARD:
        return ChargeStatus.DECLINED
    return ChargeStatus.CAPTURED
