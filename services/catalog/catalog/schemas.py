"""Request and response bodies of the catalog routes, public and internal."""

from __future__ import annotations

from typing import Any

from chassis.clock import rfc3339
from chassis.pagination import PageParams
from chassis.validation import JsonObject, PlainText, SearchText
from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog.domain import (
    Category,
    NewProduct,
    Product,
    ProductSearch,
    Reservation,
    ReservedLine,
    Sort,
    StockLine,
    search_words,
)

MAX_PRICE_CENTS = 100_000_000
MAX_STOCK = 1_000_000


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: PlainText = Field(min_length=1, max_length=64)
    name: PlainText = Field(min_length=1, max_length=200)
    description: PlainText = Field(default="", max_length=5000)
    category: PlainText = Field(min_length=1, max_length=100)
    price_cents: int = Field(ge=1, le=MAX_PRICE_CENTS)
    stock: int = Field(default=0, ge=0, le=MAX_STOCK)
    attributes: JsonObject = Field(default_factory=dict)

    def to_domain(self) -> NewProduct:
        return NewProduct(**self.model_dump())


class ProductUpdate(BaseModel):
    """Any field but the sku; a field left out is unchanged and ``null`` is not a value."""

    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(None, min_length=1, max_length=200)
    description: PlainText | None = Field(None, max_length=5000)
    category: PlainText | None = Field(None, min_length=1, max_length=100)
    price_cents: int | None = Field(None, ge=1, le=MAX_PRICE_CENTS)
    stock: int | None = Field(None, ge=0, le=MAX_STOCK)
    attributes: JsonObject | None = None

    @field_validator("*", mode="before")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        # Runs only on values sent (defaults are not validated), so only an explicit null fails.
        if value is None:
            raise ValueError("null is not a value")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ProductQuery(PageParams):
    q: SearchText | None = None
    category: PlainText | None = None
    min_price_cents: int | None = Field(default=None, ge=0)
    max_price_cents: int | None = Field(default=None, ge=0)
    sort: Sort = "name"

    def to_domain(self) -> ProductSearch:
        return ProductSearch(words=search_words(self.q), category=self.category,
                             min_price_cents=self.min_price_cents,
                             max_price_cents=self.max_price_cents, sort=self.sort,
                             offset=self.offset, limit=self.page_size)


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
    def from_domain(cls, product: Product) -> ProductOut:
        return cls(**{**product.__dict__, "created_at": rfc3339(product.created_at),
                      "updated_at": rfc3339(product.updated_at)})


class CategoryOut(BaseModel):
    name: str
    product_count: int

    @classmethod
    def from_domain(cls, category: Category) -> CategoryOut:
        return cls(name=category.name, product_count=category.product_count)


class CategoriesOut(BaseModel):
    items: list[CategoryOut]


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(max_length=1000)


class ProductsOut(BaseModel):
    items: list[ProductOut]


class StockLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=MAX_STOCK)


class ReservationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[StockLineIn] = Field(min_length=1, max_length=1000)

    @field_validator("lines")
    @classmethod
    def one_line_per_product(cls, lines: list[StockLineIn]) -> list[StockLineIn]:
        if len({line.product_id for line in lines}) != len(lines):
            raise ValueError("each product may appear in one line only")
        return lines

    def to_domain(self) -> list[StockLine]:
        return [StockLine(line.product_id, line.quantity) for line in self.lines]


class ReservedLineOut(BaseModel):
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int

    @classmethod
    def from_domain(cls, line: ReservedLine) -> ReservedLineOut:
        return cls(**line.__dict__)


class ReservationStatusOut(BaseModel):
    order_id: str
    status: str

    @classmethod
    def from_domain(cls, reservation: Reservation) -> ReservationStatusOut:
        return cls(order_id=reservation.order_id, status=reservation.status.value)


class ReservationOut(ReservationStatusOut):
    lines: list[ReservedLineOut]

    @classmethod
    def from_domain(cls, reservation: Reservation) -> ReservationOut:
        return cls(order_id=reservation.order_id, status=reservation.status.value,
                   lines=[ReservedLineOut.from_domain(line) for line in reservation.lines])
