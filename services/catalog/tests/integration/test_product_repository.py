from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from catalog.db import now
from catalog.domain import NewProduct, Product, ProductSearch, search_words
from catalog.repository import ProductRepository
from pymongo.errors import DuplicateKeyError

ProductFactory = Callable[..., Product]


def skus(found: list[Product]) -> list[str]:
    return [product.sku for product in found]


def test_a_product_round_trips_with_its_attributes(products: ProductRepository) -> None:
    added = NewProduct(sku="MUG-1", name="Mug", category="Kitchen", price_cents=900, stock=3,
                       attributes={"color": "red"}).to_product(now())
    products.add(added)
    assert products.get(added.id) == added
    assert added.attributes == {"color": "red"}
    assert added.created_at.tzinfo is not None


def test_a_second_product_with_the_same_sku_is_refused(create_product: ProductFactory) -> None:
    create_product(sku="SAME")
    with pytest.raises(DuplicateKeyError):
        create_product(sku="SAME")


def test_an_id_of_the_wrong_shape_or_unknown_finds_nothing(products: ProductRepository) -> None:
    assert products.get("not-an-object-id") is None
    assert products.get("0123456789abcdef01234567") is None


def test_search_words_match_name_or_description_literally_and_ignoring_case(
        products: ProductRepository, create_product: ProductFactory) -> None:
    create_product(sku="A", name="Blue MUG", description="ceramic (large)")
    create_product(sku="B", name="Red mug", description="steel.cup")
    create_product(sku="C", name="Plate", description="blue and flat")

    def search(q: str) -> list[str]:
        return skus(products.list_page(ProductSearch(words=search_words(q), limit=10))[0])

    assert search("mug") == ["A", "B"]
    assert search("BLUE mug") == ["A"]
    assert search("(large)") == ["A"]
    assert search(".") == ["B"]
    assert search("l.rge") == []


def test_category_and_inclusive_price_bounds_narrow_the_list(
        products: ProductRepository, create_product: ProductFactory) -> None:
    create_product(sku="A", category="Kitchen", price_cents=100)
    create_product(sku="B", category="Kitchen", price_cents=200)
    create_product(sku="C", category="Garden", price_cents=200)
    found, total = products.list_page(
        ProductSearch(category="Kitchen", min_price_cents=150, max_price_cents=200, limit=10))
    assert (skus(found), total) == (["B"], 1)
    assert products.list_page(ProductSearch(min_price_cents=300, max_price_cents=100)) == ([], 0)


@pytest.mark.parametrize(("sort", "expected"), [
    ("name", ["C", "A", "B", "D"]),
    ("-name", ["D", "A", "B", "C"]),
    ("price", ["A", "B", "D", "C"]),
    ("-price", ["C", "D", "A", "B"]),
    ("newest", ["D", "C", "A", "B"]),
])
def test_every_sort_is_binary_with_sku_as_the_tie_breaker(
        products: ProductRepository, create_product: ProductFactory, sort: str,
        expected: list[str]) -> None:
    start = now()
    create_product(sku="B", name="apple", price_cents=100, now=start)
    create_product(sku="A", name="apple", price_cents=100, now=start)
    create_product(sku="C", name="Zebra", price_cents=900, now=start + timedelta(seconds=1))
    create_product(sku="D", name="\u00e9clair", price_cents=500, now=start + timedelta(seconds=2))
    found, _ = products.list_page(ProductSearch(sort=sort))
    assert skus(found) == expected


def test_a_page_is_an_offset_window_with_the_total_of_all_matches(
        products: ProductRepository, create_product: ProductFactory) -> None:
    for sku in "ABCDE":
        create_product(sku=sku, name=f"Item {sku}")
    found, total = products.list_page(ProductSearch(offset=2, limit=2))
    assert (skus(found), total) == (["C", "D"], 5)
    found, total = products.list_page(ProductSearch(offset=4, limit=2))
    assert (skus(found), total) == (["E"], 5)
    assert products.list_page(ProductSearch(offset=3, limit=2))[1] == 5
    assert products.list_page(ProductSearch(offset=5, limit=2)) == ([], 5)
    assert products.list_page(ProductSearch(offset=9, limit=2)) == ([], 5)


def test_the_total_leaves_out_tombstones_and_follows_every_criterion(
        products: ProductRepository, create_product: ProductFactory) -> None:
    for sku in "ABCD":
        create_product(sku=sku, name=f"Blue mug {sku}", category="Kitchen", price_cents=200)
    create_product(sku="E", name="Red mug", category="Kitchen", price_cents=200)
    products.delete(create_product(sku="F", name="Blue mug F", category="Kitchen").id)
    search = ProductSearch(words=("blue", "MUG"), category="Kitchen", min_price_cents=200,
                           limit=2)
    found, total = products.list_page(search)
    assert (skus(found), total) == (["A", "B"], 4)
    assert products.list_page(ProductSearch(words=("mug",), limit=1))[1] == 5
    assert products.count() == 5


def test_categories_are_distinct_sorted_by_code_point_with_counts(
        products: ProductRepository, create_product: ProductFactory) -> None:
    for category in ["kitchen", "Garden", "Kitchen", "Kitchen"]:
        create_product(category=category)
    assert [(c.name, c.product_count) for c in products.categories()] == [
        ("Garden", 1), ("Kitchen", 2), ("kitchen", 1)]


def test_get_many_keeps_the_order_asked_and_leaves_out_unknown_ids(
        products: ProductRepository, create_product: ProductFactory) -> None:
    first, second = create_product(sku="A"), create_product(sku="B")
    asked = [second.id, "bogus", first.id, second.id, "0123456789abcdef01234567"]
    assert skus(list(products.get_many(asked).values())) == ["B", "A"]


def test_taking_stock_succeeds_only_while_enough_is_left(
        products: ProductRepository, create_product: ProductFactory) -> None:
    product = create_product(stock=3, price_cents=450)
    line = products.take_stock(product.id, 2)
    assert line is not None and (line.sku, line.unit_price_cents) == (product.sku, 450)
    assert products.take_stock(product.id, 2) is None
    assert products.stock_of(product.id) == 1
    products.give_back_stock(product.id, 2)
    assert products.stock_of(product.id) == 3


def test_taking_stock_of_a_missing_product_takes_nothing(products: ProductRepository) -> None:
    assert products.take_stock("0123456789abcdef01234567", 1) is None
    assert products.take_stock("malformed", 1) is None
    assert products.stock_of("malformed") == 0


def test_an_update_changes_the_fields_given_and_the_update_time(
        products: ProductRepository, create_product: ProductFactory) -> None:
    product = create_product(name="Old", now=now() - timedelta(days=1))
    updated = products.update(product.id, {"name": "New", "stock": 0}, now())
    assert updated is not None
    assert (updated.name, updated.stock, updated.sku) == ("New", 0, product.sku)
    assert updated.updated_at > product.updated_at
    assert updated.created_at == product.created_at


def test_a_deleted_product_is_gone(products: ProductRepository,
                                   create_product: ProductFactory) -> None:
    product = create_product()
    assert products.delete(product.id) is True
    assert products.delete(product.id) is False
    assert products.get(product.id) is None
