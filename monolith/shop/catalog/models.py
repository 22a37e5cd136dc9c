"""The products table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import Base, UTCDateTime

# Made by migration 0002 on PostgreSQL only (GIN trigram indexes on an expression, which
# neither SQLite nor the model's metadata can express): the catalog search uses them.
POSTGRESQL_SEARCH_INDEXES = {"ix_products_name_trgm": "name",
                             "ix_products_description_trgm": "description"}


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="ck_products_stock_not_negative"),
        Index("ix_products_category", "category"),
        Index("ix_products_price_cents", "price_cents"),
        Index("ix_products_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
