"""What goes over the wire: a charge request in, a charge out (never the card number)."""

from __future__ import annotations

from chassis.cards import Card
from pydantic import BaseModel, ConfigDict, Field

from payments.domain import Charge, ChargeStatus


class ChargeCreate(BaseModel):
    # hide_input_in_errors: a validation error must not carry the card number anywhere.
    model_config = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)

    order_id: str = Field(min_length=1, max_length=128)
    amount_cents: int = Field(ge=1, le=10**13)
    card_number: str = Field(pattern=r"^[0-9]{12,19}$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")

    def card(self) -> Card:
        return Card(number=self.card_number, exp_month=self.exp_month,
                    exp_year=self.exp_year, cvc=self.cvc)


class ChargeOut(BaseModel):
    order_id: str
    status: ChargeStatus
    card_last4: str
    amount_cents: int

    @classmethod
    def from_domain(cls, charge: Charge) -> ChargeOut:
        return cls(order_id=charge.order_id, status=charge.status,
                   card_last4=charge.card_last4, amount_cents=charge.amount_cents)
