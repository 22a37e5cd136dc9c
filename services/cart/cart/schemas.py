"""What goes over the wire: a quantity in, the raw cart out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cart.domain import MAX_QUANTITY, MIN_QUANTITY, Cart


class LineUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    quantity: int = Field(ge=MIN_QUANTITY, le=MAX_QUANTITY)


def cart_out(cart: Cart) -> dict[str, Any]:
    """The raw cart: product ids and quantities, sorted by product id."""
    return {"items": [{"product_id": line.product_id, "quantity": line.quantity}
                      for line in cart.lines]}
