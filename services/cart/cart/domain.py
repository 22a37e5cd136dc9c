"""A cart: quantities per product; the gateway prices it at today's catalog prices.

The cart knows only product ids; prices and names are the catalog's, composed
into the contract's cart view by the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_QUANTITY = 1
MAX_QUANTITY = 99
DEFAULT_TTL_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class CartLine:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class Cart:
    """Lines sorted by product id; unreadable stored entries are not among them."""

    lines: tuple[CartLine, ...] = ()

    @classmethod
    def from_quantities(cls, quantities: Mapping[str, str | int]) -> Cart:
        lines = []
        for product_id, raw in sorted(quantities.items()):
            try:
                lines.append(CartLine(product_id, check_quantity(int(raw))))
            except ValueError:
                continue
        return cls(tuple(lines))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


class ProductNotFound(Exception):
    """The catalog has no such product: it cannot go into a cart."""


class InvalidQuantity(ValueError):
    def __init__(self, quantity: int) -> None:
        super().__init__(f"A quantity must be {MIN_QUANTITY} to {MAX_QUANTITY}, not {quantity}.")


def check_quantity(quantity: int) -> int:
    """``quantity`` if it is one a cart line may hold, else InvalidQuantity."""
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(quantity)
    return quantity
