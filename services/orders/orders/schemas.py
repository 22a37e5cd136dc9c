"""Request and response bodies of the order routes."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from chassis.cards import Card, is_expired, luhn_valid
from chassis.clock import rfc3339, utcnow
from chassis.validation import PlainText
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from orders.domain import ChargeStatus, Checkout, Order, OrderLine, OrderStatus, ShippingAddress

AddressLine = Annotated[PlainText, Field(min_length=1, max_length=200)]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_number: str = Field(pattern=r"^[0-9]{12,19}$", repr=False)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$", repr=False)

    @field_validator("card_number")
    @classmethod
    def passes_luhn(cls, value: str) -> str:
        if not luhn_valid(value):
            raise ValueError("the card number is not valid")
        return value

    @field_validator("exp_year")
    @classmethod
    def not_expired(cls, value: int, info: ValidationInfo) -> int:
        month = info.data.get("exp_month")
        if month is not None and is_expired(month, value, utcnow().date()):
            raise ValueError("the card has expired")
        return value


class ShippingAddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AddressLine
    line1: AddressLine
    city: AddressLine
    postal_code: AddressLine
    country: AddressLine


class CheckoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment: PaymentIn
    shipping_address: ShippingAddressIn

    def to_domain(self) -> Checkout:
        payment = self.payment
        card = Card(number=payment.card_number, exp_month=payment.exp_month,
                    exp_year=payment.exp_year, cvc=payment.cvc)
        return Checkout(card=card,
                        shipping_address=ShippingAddress(**self.shipping_address.model_dump()))

    def fingerprint(self) -> str:
        """SHA-256 of the validated body as canonical JSON (sorted keys), the card cut to
        its last four digits and the cvc left out: a stored hash of a whole card number
        could be reversed by guessing, card numbers having so little entropy."""
        body = self.model_dump(mode="json", exclude={"payment": {"cvc"}})
        body["payment"]["card_number"] = body["payment"]["card_number"][-4:]
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class OrderLineOut(BaseModel):
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int

    @classmethod
    def from_domain(cls, line: OrderLine) -> OrderLineOut:
        return cls(**line.__dict__, line_total_cents=line.line_total_cents)


class ShippingAddressOut(BaseModel):
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class PaymentOut(BaseModel):
    status: ChargeStatus
    card_last4: str


class OrderOut(BaseModel):
    id: str
    status: OrderStatus
    items: list[OrderLineOut]
    total_cents: int
    shipping_address: ShippingAddressOut
    payment: PaymentOut
    created_at: str
    updated_at: str

    @classmethod
    def from_domain(cls, order: Order) -> OrderOut:
        return cls(id=order.id, status=order.status,
                   items=[OrderLineOut.from_domain(line) for line in order.lines],
                   total_cents=order.total_cents,
                   shipping_address=ShippingAddressOut(**order.shipping_address.__dict__),
                   payment=PaymentOut(**order.payment.__dict__),
                   created_at=rfc3339(order.created_at), updated_at=rfc3339(order.updated_at))
