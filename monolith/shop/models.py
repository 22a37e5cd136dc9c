"""Every table of the shop on one metadata (for Alembic and for tests)."""

from __future__ import annotations

from shop.auth.models import UserRow
from shop.cart.models import CartItemRow
from shop.catalog.models import ProductRow
from shop.db import Base
from shop.orders.models import IdempotencyKeyRow, OrderLineRow, OrderRow, OutboxRow
from shop.payments.models import PaymentRow, RefundRow

metadata = Base.metadata

__all__ = ["CartItemRow", "IdempotencyKeyRow", "OrderLineRow", "OrderRow", "OutboxRow",
           "PaymentRow", "ProductRow", "RefundRow", "UserRow", "metadata"]
