from __future__ import annotations

import json
from typing import Any

import pytest
from chassis.problems import Malformed, ValidationFailed
from chassis.validation import validate_body

from shop.auth.schemas import UserCreate
from shop.catalog.domain import search_words
from shop.catalog.schemas import ProductCreate, ProductUpdate
from shop.orders.schemas import CheckoutRequest

CHECKOUT: dict[str, Any] = {
    "payment": {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099,
                "cvc": "123"},
    "shipping_address": {"name": "Ann", "line1": "1 Main St", "city": "Utrecht",
                         "postal_code": "3511", "country": "NL"},
}


def _fields(model: type, body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(model, json.dumps(body))
    return [error["field"] for error in caught.value.extra["errors"]]


def _checkout_with(**payment: Any) -> dict[str, Any]:
    return {**CHECKOUT, "payment": {**CHECKOUT["payment"], **payment}}


def test_a_card_number_failing_luhn_is_an_error_on_payment_card_number() -> None:
    assert _fields(CheckoutRequest, _checkout_with(card_number="4242424242424241")) == [
        "payment.card_number"]


def test_an_expired_card_is_an_error_on_payment_exp_year() -> None:
    assert _fields(CheckoutRequest, _checkout_with(exp_month=1, exp_year=2001)) == [
        "payment.exp_year"]


def test_a_missing_address_field_is_named_with_its_dotted_path() -> None:
    body = {**CHECKOUT, "shipping_address": {**CHECKOUT["shipping_address"]}}
    del body["shipping_address"]["city"]
    assert _fields(CheckoutRequest, body) == ["shipping_address.city"]


def test_a_string_is_never_taken_for_an_integer() -> None:
    assert _fields(CheckoutRequest, _checkout_with(exp_month="12")) == ["payment.exp_month"]


def test_the_fingerprint_ignores_key_order_but_not_values() -> None:
    reordered = {"shipping_address": CHECKOUT["shipping_address"], "payment": CHECKOUT["payment"]}
    first = CheckoutRequest.model_validate(CHECKOUT, strict=True).fingerprint()
    assert first == CheckoutRequest.model_validate(reordered, strict=True).fingerprint()
    other = CheckoutRequest.model_validate(_checkout_with(exp_year=2031), strict=True)
    assert first != other.fingerprint()


def test_the_fingerprint_holds_neither_the_whole_card_number_nor_the_cvc() -> None:
    first = CheckoutRequest.model_validate(CHECKOUT, strict=True).fingerprint()
    other_cvc = CheckoutRequest.model_validate(_checkout_with(cvc="999"), strict=True)
    same_last4 = CheckoutRequest.model_validate(
        _checkout_with(card_number="4000001000004242"), strict=True)
    assert first == other_cvc.fingerprint() == same_last4.fingerprint()


def test_a_product_patch_refuses_the_sku_and_an_explicit_null() -> None:
    assert _fields(ProductUpdate, {"sku": "NEW"}) == ["sku"]
    assert _fields(ProductUpdate, {"name": None}) == ["name"]


def test_an_empty_product_patch_changes_nothing() -> None:
    assert ProductUpdate.model_validate({}, strict=True).changes() == {}


def test_a_new_product_takes_defaults_for_description_stock_and_attributes() -> None:
    product = ProductCreate.model_validate(
        {"sku": "A", "name": "B", "category": "C", "price_cents": 1}, strict=True)
    assert (product.description, product.stock, product.attributes) == ("", 0, {})


def test_a_new_product_price_of_zero_is_refused() -> None:
    assert _fields(ProductCreate, {"sku": "A", "name": "B", "category": "C",
                                   "price_cents": 0}) == ["price_cents"]


def test_registration_emails_are_trimmed_and_lower_cased() -> None:
    user = UserCreate.model_validate(
        {"email": "  Ann@Example.COM ", "password": "12345678", "name": "Ann"}, strict=True)
    assert user.email == "ann@example.com"


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "a b@c.d", "x" * 250 + "@a.bc"])
def test_registration_refuses_what_is_not_an_email_address(email: str) -> None:
    assert _fields(UserCreate, {"email": email, "password": "12345678", "name": "A"}) == ["email"]


def test_a_body_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(Malformed):
        validate_body(UserCreate, "[1, 2]")


def test_search_words_split_on_any_whitespace() -> None:
    assert search_words("  red\tshoe \n") == ("red", "shoe")
    assert search_words(None) == ()
