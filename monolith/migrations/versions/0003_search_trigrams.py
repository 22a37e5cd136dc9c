"""Index-backed catalog search on PostgreSQL: trigram indexes on the folded name and
description, which ``lower(column) LIKE '%word%'`` (a word of three characters or more)
uses instead of reading every product. SQLite has no such index: there the search stays
a scan whose cost the bounded ``q`` (200 characters, 10 words) caps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

# As ``shop.catalog.models.POSTGRESQL_SEARCH_INDEXES`` names them (a migration is frozen).
INDEXES = {"ix_products_name_trgm": "name", "ix_products_description_trgm": "description"}

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES.items():
        op.execute(f"CREATE INDEX {index} ON products USING gin (lower({column}) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
