from __future__ import annotations

import pytest
from catalog.domain import ProductSearch, search_words
from catalog.schemas import ProductCreate, ProductQuery, ProductUpdate, ReservationRequest
from chassis.problems import ValidationFailed
from chassis.validation import validate_body, validate_query


def fields_of(raised: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [error["field"] for error in raised.value.extra["errors"]]


def test_a_product_body_is_validated_strictly() -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_body(ProductCreate, '{"sku": "A", "name": "Mug", "category": "K", '
                                     '"price_cents": "5", "stock": 1.0}')
    assert fields_of(raised) == ["price_cents", "stock"]


def test_a_product_body_gets_its_defaults() -> None:
    body = validate_body(ProductCreate, '{"sku": "A", "name": "Mug", "category": "K", '
                                        '"price_cents": 5}')
    new = body.to_domain()
    assert (new.description, new.stock, new.attributes) == ("", 0, {})


def test_a_patch_refuses_the_sku_and_null_values() -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_body(ProductUpdate, '{"sku": "B", "name": null}')
    assert sorted(fields_of(raised)) == ["name", "sku"]


def test_a_patch_reports_only_the_fields_it_was_given() -> None:
    assert validate_body(ProductUpdate, '{"stock": 0}').changes() == {"stock": 0}
    assert validate_body(ProductUpdate, "{}").changes() == {}


def test_a_query_string_is_coerced_and_turned_into_a_filter() -> None:
    params = validate_query(ProductQuery, {"q": " blue  mug ", "min_price_cents": "100",
                                           "sort": "-price", "page": "2"})
    assert params.to_domain() == ProductSearch(words=("blue", "mug"), min_price_cents=100,
                                               sort="-price", offset=20)
    assert params.offset == 20


@pytest.mark.parametrize("query", [{"sort": "cheapest"}, {"min_price_cents": "-1"},
                                   {"page_size": "101"}, {"page": "0"}])
def test_a_bad_query_is_refused(query: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed):
        validate_query(ProductQuery, query)


def test_a_reservation_names_each_product_once() -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_body(ReservationRequest, '{"lines": [{"product_id": "a", "quantity": 1}, '
                                          '{"product_id": "a", "quantity": 2}]}')
    assert fields_of(raised) == ["lines"]


def test_search_words_split_on_any_whitespace() -> None:
    assert search_words(None) == ()
    assert search_words("a\tb  c ") == ("a", "b", "c")
