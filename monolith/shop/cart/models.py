"""The cart lines table: one row per (user, product)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import Base


class CartItemRow(Base):
    __tablename__ = "cart_items"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # A deleted product takes its cart lines with it.
    product_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
