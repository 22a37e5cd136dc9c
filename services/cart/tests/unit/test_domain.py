from __future__ import annotations

import pytest
from cart.domain import (
    Cart,
    CartLine,
    InvalidQuantity,
    Product,
    check_quantity,
    stored_quantities,
)
from cart.schemas import CartItemUpdate, CartOut
from chassis.problems import ValidationFailed
from chassis.validation import validate_body

PRODUCTS = {"1": Product("1", "SKU-B", "Bag", 250), "2": Product("2", "SKU-A", "Apron", 1000)}


def test_a_cart_is_priced_sorted_by_sku_and_added_up() -> None:
    cart = Cart.priced({"1": 3, "2": 1}, PRODUCTS)
    assert cart.lines == (CartLine("2", "SKU-A", "Apron", 1000, 1),
                          CartLine("1", "SKU-B", "Bag", 250, 3))
    assert [line.line_total_cents for line in cart.lines] == [1000, 750]
    assert (cart.item_count, cart.total_cents, cart.is_empty) == (4, 1750, False)


def test_a_product_the_catalog_no_longer_has_is_left_out() -> None:
    cart = Cart.priced({"1": 2, "gone": 9}, PRODUCTS)
    assert [line.product_id for line in cart.lines] == ["1"]
    assert (cart.item_count, cart.total_cents) == (2, 500)


def test_skus_sort_by_code_point_as_the_monolith_sorts_bytes() -> None:
    products = {"u": Product("u", "é", "E", 1), "z": Product("z", "Z", "Z", 1),
                "a": Product("a", "a", "A", 1)}
    assert [line.sku for line in Cart.priced({"u": 1, "z": 1, "a": 1}, products).lines] == [
        "Z", "a", "é"]


def test_an_empty_cart_adds_up_to_nothing() -> None:
    cart = Cart.priced({}, {})
    assert (cart.lines, cart.item_count, cart.total_cents, cart.is_empty) == ((), 0, 0, True)


def test_unreadable_stored_quantities_are_left_out() -> None:
    assert stored_quantities({"a": "x", "b": "0", "c": "100", "d": "99", "e": 3}) == {
        "d": 99, "e": 3}


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_a_quantity_outside_one_to_ninety_nine_is_refused(quantity: int) -> None:
    with pytest.raises(InvalidQuantity):
        check_quantity(quantity)


@pytest.mark.parametrize("body", ['{"quantity": 0}', '{"quantity": 100}', '{"quantity": "2"}',
                                  '{"quantity": 2.0}', '{"quantity": true}', "{}",
                                  '{"quantity": 2, "extra": 1}'])
def test_a_line_update_is_validated_strictly(body: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_body(CartItemUpdate, body)


def test_the_cart_serialises_as_the_contracts_priced_cart() -> None:
    cart = Cart.priced({"1": 2}, PRODUCTS)
    assert CartOut.from_domain(cart).model_dump() == {
        "items": [{"product_id": "1", "sku": "SKU-B", "name": "Bag", "unit_price_cents": 250,
                   "quantity": 2, "line_total_cents": 500}],
        "item_count": 2, "total_cents": 500}
