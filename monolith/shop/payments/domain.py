"""Cards and a simulated card processor: no network, deterministic answers.

Only the last four digits of a number ever leave this module's dataclasses;
``Card`` has no repr of its number or cvc, so neither ends up in a log line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

ChargeStatus = Literal["pending", "captured", "declined", "refunded"]

DECLINED_TEST_CARD = "4000000000000002"


def luhn_valid(number: str) -> bool:
    """The Luhn checksum of a string of digits."""
    if not number.isdigit():
        return False
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(number)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    """A card is good through the last day of its expiry month."""
    return (exp_year, exp_month) < (today.year, today.month)


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

    @property
    def captured(self) -> bool:
        return self.status == "captured"


@dataclass(frozen=True)
class Refund:
    id: str
    order_id: str
    amount_cents: int

    @classmethod
    def of(cls, charge: Charge) -> Refund:
        return cls(id=str(uuid.uuid4()), order_id=charge.order_id, amount_cents=charge.amount_cents)


def process(*, order_id: str, card: Card, amount_cents: int) -> Charge:
    """The simulated processor's verdict: one test number is declined, every other captured."""
    status: ChargeStatus = "declined" if card.number == DECLINED_TEST_CARD else "captured"
    return Charge(order_id=order_id, status=status, card_last4=card.last4,
                  amount_cents=amount_cents)


class NotRefundable(Exception):
    """Only a captured charge can be refunded."""
