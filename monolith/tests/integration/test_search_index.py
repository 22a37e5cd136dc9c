"""On PostgreSQL the catalog search can use the trigram indexes instead of reading every row."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from shop.catalog.domain import ProductSearch
from shop.catalog.models import POSTGRESQL_SEARCH_INDEXES, ProductRow
from shop.catalog.repository import _filters


def _plan(session: Session, words: tuple[str, ...]) -> str:
    query = select(func.count()).select_from(ProductRow).where(
        *_filters(ProductSearch(words=words)))
    compiled = query.compile(dialect=postgresql.dialect(),
                             compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table is read anyway
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))


def test_a_search_word_is_looked_up_in_both_trigram_indexes(postgres_session: Session) -> None:
    plan = _plan(postgres_session, ("lamp",))

    for index in POSTGRESQL_SEARCH_INDEXES:
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_search_of_several_words_starts_from_an_index(postgres_session: Session) -> None:
    plan = _plan(postgres_session, ("brass", "lamp", "100%_off"))

    assert "Bitmap Index Scan on ix_products_" in plan, plan
    assert "Seq Scan" not in plan, plan
