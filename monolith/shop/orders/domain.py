"""Orders: what was bought at which price, and the states an order moves through.

    confirmed ──cancel──▶ cancelled      failed (a declined card) is final
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from shop.cart.domain import Cart
from shop.catalog.domain import StockLine
from shop.payments.domain import Card, ChargeStatus

OrderStatus = Literal["pending", "confirmed", "failed", "cancelled"]


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class Checkout:
    """What the caller pays with and where the goods go; the cart says what is bought."""

    card: Card
    shipping_address: ShippingAddress


@dataclass(frozen=True)
class OrderLine:
    """A copy of the product as it was sold: a later change or deletion leaves it alone."""

    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class PaymentSummary:
    status: ChargeStatus
    card_last4: str


@dataclass(frozen=True)
class Order:
    id: str
    user_id: str
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    shipping_address: ShippingAddress
    payment: PaymentSummary
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_cart(cls, *, user_id: str, cart: Cart, shipping_address: ShippingAddress,
                  card_last4: str, now: datetime) -> Order:
        """A confirmed, captured order of every cart line at the cart's prices."""
        lines = tuple(OrderLine(product_id=line.product_id, sku=line.sku, name=line.name,
                                unit_price_cents=line.unit_price_cents, quantity=line.quantity)
                      for line in sorted(cart.lines, key=lambda line: line.sku))
        return cls(id=str(uuid.uuid4()), user_id=user_id, status="confirmed", lines=lines,
                   shipping_address=shipping_address,
                   payment=PaymentSummary(status="captured", card_last4=card_last4),
                   created_at=now, updated_at=now)

    @property
    def total_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def stock_lines(self) -> list[StockLine]:
        return [StockLine(product_id=line.product_id, quantity=line.quantity)
                for line in self.lines]

    def declined(self) -> Order:
        return replace(self, status="failed", payment=replace(self.payment, status="declined"))

    def cancelled(self, now: datetime) -> Order:
        if self.status != "confirmed":
            raise OrderNotCancellable(self.id, self.status)
        return replace(self, status="cancelled", updated_at=now,
                       payment=replace(self.payment, status="refunded"))


@dataclass(frozen=True)
class IdempotencyRecord:
    """A claimed Idempotency-Key: ``in_progress`` while its request runs, then its response."""

    fingerprint: str
    state: Literal["in_progress", "completed"]
    status_code: int | None
    response_body: dict[str, Any] | None
    claimed_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def abandoned(self, now: datetime, lease: timedelta) -> bool:
        """Claimed longer ago than any checkout runs, and never settled: its worker died."""
        return self.state == "in_progress" and self.claimed_at < now - lease


class EmptyCart(Exception):
    """Checkout of a cart with no (existing) products in it."""


class PaymentDeclined(Exception):
    """The card was declined; the failed ``order`` is kept."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.id)
        self.order = order

    @property
    def order_id(self) -> str:
        return self.order.id


class OrderNotFound(Exception):
    """No such order, or not the caller's."""


class OrderNotCancellable(Exception):
    """Only a confirmed order can be cancelled."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status}")
        self.status = status


class IdempotencyKeyReused(Exception):
    """The key was used before with a different request body."""


class IdempotencyInProgress(Exception):
    """The first request with this key has not finished yet."""
