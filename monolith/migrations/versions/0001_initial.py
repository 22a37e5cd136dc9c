"""The initial schema: accounts, catalog, carts, orders, payments, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id(name: str = "id", **kwargs: object) -> sa.Column:
    return sa.Column(name, sa.String(36), nullable=False, **kwargs)  # type: ignore[arg-type]


def _moment(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        _id(primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _moment("created_at"),
    )
    op.create_table(
        "products",
        _id(primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        sa.CheckConstraint("stock >= 0", name="ck_products_stock_not_negative"),
    )
    op.create_index("ix_products_category", "products", ["category"])
    op.create_index("ix_products_price_cents", "products", ["price_cents"])
    op.create_index("ix_products_created_at", "products", ["created_at"])
    op.create_table(
        "cart_items",
        _id("user_id", primary_key=True),
        _id("product_id", primary_key=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_cart_items_product_id", "cart_items", ["product_id"])
    _create_order_tables()


def _create_order_tables() -> None:
    op.create_table(
        "orders",
        _id(primary_key=True),
        _id("user_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("shipping_address", sa.JSON(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
    )
    op.create_index("ix_orders_user_id_created_at", "orders", ["user_id", "created_at"])
    op.create_table(
        "order_lines",
        _id("order_id", primary_key=True),
        _id("product_id", primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "payments",
        _id("order_id", primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("card_last4", sa.String(4), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "refunds",
        _id(primary_key=True),
        _id("order_id"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        _moment("created_at"),
        sa.ForeignKeyConstraint(["order_id"], ["payments.order_id"], ondelete="CASCADE"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "idempotency_keys",
        _id("user_id", primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        _moment("created_at"),
        _moment("expires_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    for table in ("idempotency_keys", "refunds", "payments", "order_lines", "orders",
                  "cart_items", "products", "users"):
        op.drop_table(table)
