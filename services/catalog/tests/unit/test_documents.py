from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from catalog.documents import (
    LIVE,
    MAX_INT64,
    object_id,
    product_filter,
    product_from_document,
)
from catalog.domain import ProductSearch

MOMENT = datetime(2026, 11, 25, 14, 0, 0, 123000, tzinfo=UTC)


def test_no_criteria_leaves_out_only_tombstones() -> None:
    assert product_filter(ProductSearch()) == LIVE


def test_every_word_is_a_literal_case_insensitive_match_on_name_or_description() -> None:
    clauses = product_filter(ProductSearch(words=("a.b", "c")))["$and"]
    assert clauses[0] == {"$or": [{"name": {"$regex": r"a\.b", "$options": "i"}},
                                  {"description": {"$regex": r"a\.b", "$options": "i"}}]}
    assert len(clauses) == 2


def test_one_word_needs_no_and() -> None:
    query = product_filter(ProductSearch(words=("mug",)))
    assert set(query) == {*LIVE, "$or"}
    assert query["$or"][0] == {"name": {"$regex": "mug", "$options": "i"}}


def test_price_bounds_are_inclusive_and_clamped_to_64_bits() -> None:
    criteria = ProductSearch(category="K", min_price_cents=5, max_price_cents=10**30)
    assert product_filter(criteria) == {
        **LIVE, "category": "K", "price_cents": {"$gte": 5, "$lte": MAX_INT64}}


def test_only_an_object_id_shaped_string_can_name_a_product() -> None:
    assert object_id("0123456789abcdef01234567") == ObjectId("0123456789abcdef01234567")
    assert object_id("0123456789abcdef0123456") is None
    assert object_id("abcdefabcdef") is None


def test_a_document_becomes_a_product_with_aware_timestamps_even_from_text() -> None:
    product = product_from_document({
        "_id": ObjectId("0123456789abcdef01234567"), "sku": "A", "name": "Mug",
        "category": "K", "price_cents": 5, "stock": 1, "created_at": MOMENT,
        "updated_at": "2026-11-25 14:00:00.123000"})
    assert product.id == "0123456789abcdef01234567"
    assert (product.description, product.attributes) == ("", {})
    assert product.updated_at == MOMENT
