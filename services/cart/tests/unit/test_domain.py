from __future__ import annotations

import pytest
from cart.domain import Cart, CartLine, InvalidQuantity, check_quantity
from cart.schemas import CartItemUpdate, CartOut
from chassis.problems import ValidationFailed
from chassis.validation import validate_body


def test_stored_quantities_become_lines_sorted_by_product_id() -> None:
    cart = Cart.from_quantities({"b": "2", "a": 3})
    assert cart.lines == (CartLine("a", 3), CartLine("b", 2))
    assert cart.item_count == 5


def test_unreadable_stored_quantities_are_left_out() -> None:
    cart = Cart.from_quantities({"a": "x", "b": "0", "c": "100", "d": "99"})
    assert cart.lines == (CartLine("d", 99),)


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


def test_the_raw_cart_names_product_ids_and_quantities() -> None:
    cart = Cart((CartLine("a", 1),))
    assert CartOut.from_domain(cart).model_dump() == {"items": [{"product_id": "a", "quantity": 1}]}
