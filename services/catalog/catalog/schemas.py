"""What goes over the wire: request bodies and queries in, products and reservations out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from chassis.clock import rfc3339
from chassis.pagination import PageParams
from chassis.validation import JsonObject, PlainText, SearchText
from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog.domain import (
    Category,
    NewProduct,
    Product,
    ProductFilter,
    Reservation,
    StockRequest,
    search_words,
)

Sku = Annotated[PlainText, Field(min_length=1, max_length=64)]
Name = Annotated[PlainText, Field(min_length=1, max_length=200)]
Description = Annotated[PlainText, Field(max_length=5000)]
CategoryName = Annotated[PlainText, Field(min_length=1, max_length=100)]
PriceCents = Annotated[int, Field(ge=1, le=100_000_000)]
Stock = Annotated[int, Field(ge=0, le=1_000_000)]
Sort = Literal["name", "-name", "price", "-price", "newest"]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    sku: Sku
    name: Name
    description: Description = ""
    category: CategoryName
    price_cents: PriceCents
    stock: Stock = 0
    attributes: JsonObject = Field(default_factory=dict)

    def to_domain(self) -> NewProduct:
        return NewProduct(**self.model_dump())


class ProductUpdate(BaseModel):
    """Any product field but ``sku``; a field left out is unchanged, ``null`` is refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Name | None = None
    description: Description | None = None
    category: CategoryName | None = None
    price_cents: PriceCents | None = None
    stock: Stock | None = None
    attributes: JsonObject | None = None

    @field_validator("*", mode="before")
    @classmethod
    def refuse_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("null is not a value; leave the field out instead")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ProductQuery(PageParams):
    q: SearchText | None = None
    category: PlainText | None = None
    min_price_cents: int | None = Field(default=None, ge=0)
    max_price_cents: int | None = Field(default=None, ge=0)
    sort: Sort = "name"

    def criteria(self) -> ProductFilter:
        return ProductFilter(words=search_words(self.q), category=self.category,
                             min_price_cents=self.min_price_cents,
                             max_price_cents=self.max_price_cents, sort=self.sort)


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    ids: list[str] = Field(max_length=1000)


class StockLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1_000_000)


class ReservationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    lines: list[StockLineIn] = Field(min_length=1, max_length=1000)

    @field_validator("lines")
    @classmethod
    def one_line_per_product(cls, lines: list[StockLineIn]) -> list[StockLineIn]:
        if len({line.product_id for line in lines}) != len(lines):
            raise ValueError("each product may appear in one line only")
        return lines

    def to_domain(self) -> list[StockRequest]:
        return [StockRequest(line.product_id, line.quantity) for line in self.lines]


class ProductOut(BaseModel):
    id: str
    sku: str
    name: str
    description: str
    category: str
    price_cents: int
    stock: int
    attributes: dict[str, Any]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls(id=product.id, sku=product.sku, name=product.name,
                   description=product.description, category=product.category,
                   price_cents=product.price_cents, stock=product.stock,
                   attributes=product.attributes, created_at=rfc3339(product.created_at),
                   updated_at=rfc3339(product.updated_at))


def product_out(product: Product) -> dict[str, Any]:
    return ProductOut.of(product).model_dump()


def category_out(category: Category) -> dict[str, Any]:
    return {"name": category.name, "product_count": category.product_count}


def reservation_out(reservation: Reservation) -> dict[str, Any]:
    return {
        "order_id": reservation.order_id,
        "status": reservation.status.value,
        "lines": [{"product_id": line.product_id, "sku": line.sku, "name": line.name,
                   "unit_price_cents": line.unit_price_cents, "quantity": line.quantity}
                  for line in reservation.lines],
    }


def reservation_status_out(reservation: Reservation) -> dict[str, Any]:
    return {"order_id": reservation.order_id, "status": reservation.status.value}
