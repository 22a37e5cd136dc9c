"""Cards and a simulated card processor: no network, deterministic answers.

``Card`` and the Luhn check are the chassis's (chassis.cards), the same in the
orders and payments services; only the last four digits of a number are kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from chassis.cards import Card

ChargeStatus = Literal["pending", "captured", "declined", "refunded"]

DECLINED_TEST_CARD = "4000000000000002"


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
