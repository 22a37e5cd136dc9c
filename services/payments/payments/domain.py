"""The payments domain: cards, charges and the rules of the simulated processor.

    PaymentError
     ├── InvalidCard        the number fails Luhn, or the card has expired (a 422)
     ├── ChargeNotFound     no charge for the order id
     ├── RefundNotAllowed   only a captured charge can be refunded
     └── DuplicateCharge    the order id was charged meanwhile (a race, settled by the service)

Only the last four digits of a card number are ever kept; a :class:`Card` never
shows its number or cvc in a repr, so neither can reach a log line by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

DECLINED_CARD_NUMBER = "4000000000000002"


class ChargeStatus(StrEnum):
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class Card:
    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]


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


class RefundNotAllowed(PaymentError):
    def __init__(self, order_id: str, status: ChargeStatus) -> None:
        super().__init__(f"The charge for the order {order_id!r} is {status}; "
                         "only a captured charge can be refunded.")


class DuplicateCharge(PaymentError):
    pass


def luhn_valid(number: str) -> bool:
    """Whether a string of digits passes the Luhn check."""
    if not number.isdigit():
        return False
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(number)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_expired(card: Card, today: date) -> bool:
    """A card is good until the end of its expiry month."""
    return (card.exp_year, card.exp_month) < (today.year, today.month)


def check_card(card: Card, today: date) -> None:
    """InvalidCard unless the number passes Luhn and the card has not expired."""
    if not luhn_valid(card.number):
        raise InvalidCard("card_number", "the card number is not valid")
    if card_expired(card, today):
        raise InvalidCard("exp_year", "the card has expired")


def authorise(card: Card) -> ChargeStatus:
    """The simulated processor's verdict: one test number is declined, the rest captured."""
    if card.number == DECLINED_CARD_NUMBER:
        return ChargeStatus.DECLINED
    return ChargeStatus.CAPTURED
