"""Request and response bodies of the cart routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shop.cart.domain import MAX_QUANTITY, MIN_QUANTITY, Cart, CartLine


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
