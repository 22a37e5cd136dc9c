from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shop.catalog.domain import NewProduct, ProductSearch, search_words
from shop.catalog.repository import ProductRepository

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def products(request: pytest.FixtureRequest) -> ProductRepository:
    """The same rows on each database; PostgreSQL needs its own collation and casts."""
    session_fixture = "db_session" if request.param == "sqlite" else "postgres_session"
    repository = ProductRepository(request.getfixturevalue(session_fixture))
    rows: list[dict[str, Any]] = [
        {"sku": "B-2", "name": "alpha lamp", "category": "Home", "price_cents": 500,
         "description": "Warm light, 50% brighter"},
        {"sku": "B-1", "name": "alpha lamp", "category": "Home", "price_cents": 700},
        {"sku": "A-9", "name": "Zeta Chair", "category": "Home", "price_cents": 500,
         "description": "Oak (solid) chair"},
        {"sku": "C-1", "name": "Ärmel Shirt", "category": "Apparel", "price_cents": 900,
         "description": "Cotton.shirt"},
    ]
    for minutes, fields in enumerate(rows):
        repository.add(NewProduct(**fields).to_product(START + timedelta(minutes=minutes)))
    return repository


def _skus(repository: ProductRepository, **search: Any) -> list[str]:
    items, _ = repository.list_page(ProductSearch(**search))
    return [product.sku for product in items]


def test_name_sort_is_by_code_point_with_sku_breaking_ties(products: ProductRepository) -> None:
    assert _skus(products) == ["A-9", "B-1", "B-2", "C-1"]
    assert _skus(products, sort="-name") == ["C-1", "B-1", "B-2", "A-9"]


def test_price_and_newest_sorts_break_ties_by_sku(products: ProductRepository) -> None:
    assert _skus(products, sort="price") == ["A-9", "B-2", "B-1", "C-1"]
    assert _skus(products, sort="-price") == ["C-1", "B-1", "A-9", "B-2"]
    assert _skus(products, sort="newest") == ["C-1", "A-9", "B-1", "B-2"]


def test_every_search_word_must_occur_in_the_name_or_the_description(
        products: ProductRepository) -> None:
    assert _skus(products, words=search_words("LAMP warm")) == ["B-2"]
    assert _skus(products, words=search_words("chair oak")) == ["A-9"]
    assert _skus(products, words=search_words("lamp oak")) == []


def test_search_folds_case_beyond_ascii(products: ProductRepository) -> None:
    assert _skus(products, words=("ärmel",)) == ["C-1"]
    assert _skus(products, words=("ÄRMEL",)) == ["C-1"]


def test_search_takes_pattern_characters_literally(products: ProductRepository) -> None:
    assert _skus(products, words=("50%",)) == ["B-2"]
    assert _skus(products, words=("(solid)",)) == ["A-9"]
    assert _skus(products, words=("cotton.shirt",)) == ["C-1"]
    assert _skus(products, words=("_",)) == []
    assert _skus(products, words=("%",)) == ["B-2"]


def test_category_matches_exactly_and_price_bounds_are_inclusive(
        products: ProductRepository) -> None:
    assert _skus(products, category="Home", min_price_cents=500, max_price_cents=500) == [
        "A-9", "B-2"]
    assert _skus(products, category="home") == []
    assert _skus(products, min_price_cents=800, max_price_cents=100) == []


def test_bounds_and_pages_beyond_any_stored_integer_are_simply_empty_or_unbounded(
        products: ProductRepository) -> None:
    huge = 10**30
    assert _skus(products, min_price_cents=huge) == []
    assert len(_skus(products, max_price_cents=huge)) == 4
    assert products.list_page(ProductSearch(offset=huge)) == ([], 4)


def test_a_page_holds_its_slice_and_the_total_of_all_matches(products: ProductRepository) -> None:
    items, total = products.list_page(ProductSearch(sort="price", offset=1, limit=2))
    assert [product.sku for product in items] == ["B-2", "B-1"]
    assert total == 4


def test_categories_are_listed_by_name_with_their_product_counts(
        products: ProductRepository) -> None:
    assert [(c.name, c.product_count) for c in products.categories()] == [
        ("Apparel", 1), ("Home", 3)]


def test_stock_is_taken_only_when_enough_is_there(products: ProductRepository) -> None:
    items, _ = products.list_page(ProductSearch())
    first = items[0]
    products.update(first.id, {"stock": 3}, START)
    assert products.take_stock(first.id, 3)
    assert not products.take_stock(first.id, 1)
    assert products.stock_levels([first.id]) == {first.id: 0}
    products.give_back_stock(first.id, 2)
    assert products.stock_levels([first.id]) == {first.id: 2}
