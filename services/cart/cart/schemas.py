"""Request and response bodies of the cart routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cart.domain import MAX_QUANTITY, MIN_QUANTITY, Cart, CartLine


class CartItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=MIN_QUANTITY, le=MAX_QUANTITY)


class CartLineOut(BaseModel):
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int

    @classmethod
    def from_domain(cls, line: CartLine) -> CartLineOut:
        return cls(product_id=line.product_id, sku=line.sku, name=line.name,
                   unit_price_cents=line.unit_price_cents, quantity=line.quantity,
                   line_total_cents=line.line_total_cents)


class CartOut(BaseModel):
    items: list[CartLineOut]
    item_count: int
    total_cents: int

    @classmethod
    def from_domain(cls, cart: Cart) -> CartOut:
        return cls(items=[CartLineOut.from_domain(line) for line in cart.lines],
                   item_count=cart.item_count, total_cents=cart.total_cents)


# One order's lines at most: a cart holds no more products than this.
MAX_BOUGHT_LINES = 100


class BoughtLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=128)
    quantity: int = Field(ge=MIN_QUANTITY, le=MAX_QUANTITY)

    @field_validator("product_id")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL")
        return value


class BoughtLines(BaseModel):
    """What an order bought, to take out of the cart: each product once."""

    model_config = ConfigDict(extra="forbid")

    items: list[BoughtLine] = Field(min_length=1, max_length=MAX_BOUGHT_LINES)

    @field_validator("items")
    @classmethod
    def _each_product_once(cls, items: list[BoughtLine]) -> list[BoughtLine]:
        if len({line.product_id for line in items}) != len(items):
            raise ValueError("each product may be listed once")
        return items

    def quantities(self) -> dict[str, int]:
        return {line.product_id: line.quantity for line in self.items}
