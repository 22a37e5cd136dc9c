"""A cart: quantities per product, priced at today's catalog prices when viewed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_QUANTITY = 1
MAX_QUANTITY = 99
DEFAULT_TTL_SECONDS = 30 * 24 * 3600

# What the store keeps of a cart: each product's quantity.
Quantities = Mapping[str, int]


@dataclass(frozen=True)
class Product:
    """A product as the catalog prices it today."""

    id: str
    sku: str
    name: str
    price_cents: int


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

    @classmethod
    def priced(cls, quantities: Quantities, products: Mapping[str, Product]) -> Cart:
        """The join the monolith's repository makes: each stored line at its product's
        price, the products the catalog no longer has left out."""
        lines = [CartLine(product_id=product.id, sku=product.sku, name=product.name,
                          unit_price_cents=product.price_cents, quantity=quantity)
                 for product_id, quantity in quantities.items()
                 if (product := products.get(product_id)) is not None]
        # Code point order is UTF-8 byte order: the monolith's binary collation.
        return cls(tuple(sorted(lines, key=lambda line: line.sku)))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def stored_quantities(stored: Mapping[str, str | int]) -> dict[str, int]:
    """The quantities of a stored cart; unreadable entries are left out."""
    quantities = {}
    for product_id, raw in stored.items():
        try:
            quantities[product_id] = check_quantity(int(raw))
        except ValueError:
            continue
    return quantities


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
