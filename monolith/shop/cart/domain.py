"""A cart: quantities per product, priced at today's catalog prices when viewed."""

from __future__ import annotations

from dataclasses import dataclass

MIN_QUANTITY = 1
MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartLine:
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class Cart:
    """Lines sorted by sku; products deleted since they were added are not among them."""

    lines: tuple[CartLine, ...] = ()

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines
