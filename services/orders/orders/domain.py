"""Orders: what was bought at which price, and the states a saga moves an order through.

    pending ──charge captured──▶ confirmed ──cancel──▶ cancelled
       │
       ├──declined, or nothing charged──▶ failed (final)
       └──out of stock──▶ (deleted: no order shows up)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from chassis.cards import Card

OrderStatus = Literal["pending", "confirmed", "failed", "cancelled"]
ChargeStatus = Literal["pending", "captured", "declined", "refunded"]

# Which status an order may move to from which, with the payment status it then shows.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], frozenset[ChargeStatus]] = {
    ("pending", "confirmed"): frozenset({"captured"}),
    ("pending", "failed"): frozenset({"declined", "pending"}),
    ("confirmed", "cancelled"): frozenset({"refunded"}),
}


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
class Charge:
    order_id: str
    status: ChargeStatus

    @property
    def captured(self) -> bool:
        return self.status == "captured"


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
    def pending(cls, *, user_id: str, lines: list[OrderLine], shipping_address: ShippingAddress,
                card_last4: str, now: datetime) -> Order:
        """A new order of ``lines`` (sorted by sku), not yet reserved nor charged."""
        return cls(id=str(uuid.uuid4()), user_id=user_id, status="pending",
                   lines=tuple(sorted(lines, key=lambda line: line.sku)),
                   shipping_address=shipping_address,
                   payment=PaymentSummary(status="pending", card_last4=card_last4),
                   created_at=now, updated_at=now)

    @property
    def total_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    def moved(self, status: OrderStatus, payment: ChargeStatus, now: datetime) -> Order:
        """This order in ``status``, or :class:`InvalidTransition` when the move is not allowed."""
        allowed = TRANSITIONS.get((self.status, status), frozenset())
        if payment not in allowed:
            raise InvalidTransition(self.id, self.status)
        return replace(self, status=status, updated_at=now,
                       payment=replace(self.payment, status=payment))

    def cancelled(self, now: datetime) -> Order:
        if self.status != "confirmed":
            raise OrderNotCancellable(self.id, self.status)
        return self.moved("cancelled", "refunded", now)


@dataclass(frozen=True)
class IdempotencyRecord:
    """A claimed Idempotency-Key: in progress (no status code) while its checkout runs,
    then the response to replay. ``order_id`` is the order that checkout recorded."""

    fingerprint: str
    order_id: str | None
    status_code: int | None
    response_body: dict[str, Any] | None
    claimed_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def abandoned(self, now: datetime, lease: timedelta) -> bool:
        """Claimed long ago by a request that died before it recorded an order."""
        return self.status_code is None and self.order_id is None and self.claimed_at < now - lease


@dataclass(frozen=True)
class Shortage:
    product_id: str
    requested: int
    available: int


class EmptyCart(Exception):
    """Checkout of a cart with no (existing) products in it."""


class OutOfStock(Exception):
    """Some lines ask for more than is in stock; nothing was reserved."""

    def __init__(self, shortages: tuple[Shortage, ...]) -> None:
        super().__init__(f"{len(shortages)} short lines")
        self.shortages = shortages


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


class InvalidTransition(Exception):
    """The order is not in a state that allows the move (a saga step that came too late)."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status}")
        self.status = status


class OrderNotCancellable(InvalidTransition):
    """Only a confirmed order can be cancelled."""


class IdempotencyKeyReused(Exception):
    """The key was used before with a different request body."""


class IdempotencyInProgress(Exception):
    """The first request with this key has not finished yet."""
