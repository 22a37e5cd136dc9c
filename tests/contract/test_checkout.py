"""Checkout: the whole cart becomes an order, or nothing changes."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

DECLINED_CARD = "4000000000000002"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
ORDER_FIELDS = {"id", "status", "items", "total_cents", "shipping_address", "payment",
                "created_at", "updated_at"}


def test_checkout_confirms_an_order_of_the_whole_cart(
    api: httpx.Client, customer: Any, create_product: Any, random_sku: Any, fill_cart: Any,
    checkout: Any, checkout_body: Any
) -> None:
    low, high = sorted([random_sku(), random_sku()])
    lamp = create_product(sku=high, name="Lamp", price_cents=2500, stock=10)
    bulb = create_product(sku=low, name="Bulb", price_cents=300, stock=10)
    fill_cart(customer, {lamp["id"]: 1, bulb["id"]: 4})
    body = checkout_body()

    response = checkout(customer, body)

    assert response.status_code == 201, response.text
    order = response.json()
    assert set(order) == ORDER_FIELDS
    assert (order["status"], order["payment"]) == (
        "confirmed", {"status": "captured", "card_last4": "4242"})
    assert order["items"] == [
        {"product_id": bulb["id"], "sku": low, "name": "Bulb", "unit_price_cents": 300,
         "quantity": 4, "line_total_cents": 1200},
        {"product_id": lamp["id"], "sku": high, "name": "Lamp", "unit_price_cents": 2500,
         "quantity": 1, "line_total_cents": 2500},
    ]
    assert order["total_cents"] == 3700
    assert order["shipping_address"] == body["shipping_address"]
    assert TIMESTAMP.fullmatch(order["created_at"]) and TIMESTAMP.fullmatch(order["updated_at"])


def test_checkout_takes_the_stock_and_empties_the_cart(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    stock_of: Any, cart_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=7)
    fill_cart(customer, {product["id"]: 3})

    order = checkout(customer).json()

    assert stock_of(product["id"]) == 4
    assert cart_of(customer) == {"items": [], "item_count": 0, "total_cents": 0}
    listed = orders_of(customer)
    assert listed["total"] == 1 and listed["items"] == [order]
    assert api.get(f"/api/orders/{order['id']}", headers=customer.headers).json() == order


def test_the_last_units_can_be_bought(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, stock_of: Any
) -> None:
    product = create_product(stock=2)
    fill_cart(customer, {product["id"]: 2})

    assert checkout(customer).status_code == 201
    assert stock_of(product["id"]) == 0


def test_out_of_stock_lists_every_short_line_and_changes_nothing(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, expect_problem: Any,
    stock_of: Any, cart_of: Any, orders_of: Any
) -> None:
    plenty, short, none = (create_product(stock=5), create_product(stock=1),
                           create_product(stock=0))
    cart = fill_cart(customer, {plenty["id"]: 3, short["id"]: 2, none["id"]: 1})

    body = expect_problem(checkout(customer), 409, "out-of-stock")

    expected = {(short["id"], 2, 1), (none["id"], 1, 0)}
    assert {(i["product_id"], i["requested"], i["available"]) for i in body["items"]} == expected
    assert len(body["items"]) == 2
    assert [stock_of(p["id"]) for p in (plenty, short, none)] == [5, 1, 0]
    assert cart_of(customer) == cart
    assert orders_of(customer)["total"] == 0


def test_a_declined_card_keeps_a_failed_order_and_changes_nothing_else(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    checkout_body: Any, expect_problem: Any, stock_of: Any, cart_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=4, price_cents=800)
    cart = fill_cart(customer, {product["id"]: 3})

    response = checkout(customer, checkout_body(DECLINED_CARD))

    body = expect_problem(response, 402, "payment-declined")
    assert isinstance(body["order_id"], str) and body["order_id"]
    assert stock_of(product["id"]) == 4
    assert cart_of(customer) == cart
    failed = api.get(f"/api/orders/{body['order_id']}", headers=customer.headers).json()
    assert (failed["status"], failed["payment"]) == (
        "failed", {"status": "declined", "card_last4": "0002"})
    assert failed["total_cents"] == 2400
    assert orders_of(customer)["items"] == [failed]


def test_a_retry_after_a_decline_can_succeed(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    stock_of: Any
) -> None:
    product = create_product(stock=1)
    fill_cart(customer, {product["id"]: 1})

    assert checkout(customer, checkout_body(DECLINED_CARD)).status_code == 402
    assert checkout(customer).status_code == 201
    assert stock_of(product["id"]) == 0


def test_an_empty_cart_cannot_be_checked_out(
    customer: Any, checkout: Any, expect_problem: Any, orders_of: Any
) -> None:
    expect_problem(checkout(customer), 422, "empty-cart")
    assert orders_of(customer)["total"] == 0


def test_a_cart_of_deleted_products_is_empty(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any, expect_problem: Any
) -> None:
    product = create_product()
    fill_cart(customer, {product["id"]: 1})
    api.delete(f"/api/products/{product['id']}", headers=admin.headers)

    expect_problem(checkout(customer), 422, "empty-cart")


def invalid_bodies(valid: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(body, the field its 422 names) for each way a checkout body can be wrong."""
    now = time.gmtime()

    def with_payment(**change: Any) -> dict[str, Any]:
        return {**valid, "payment": {**valid["payment"], **change}}

    def without_address(field: str) -> dict[str, Any]:
        address = {k: v for k, v in valid["shipping_address"].items() if k != field}
        return {**valid, "shipping_address": address}

    return [
        (with_payment(card_number="4242424242424241"), "payment.card_number"),
        (with_payment(card_number="4242-4242-4242-4242"), "payment.card_number"),
        (with_payment(card_number="42424242424"), "payment.card_number"),
        (with_payment(card_number=4242424242424242), "payment.card_number"),
        (with_payment(exp_year=now.tm_year - 1), "payment.exp_year"),
        (with_payment(exp_month=13), "payment.exp_month"),
        (with_payment(exp_month="12"), "payment.exp_month"),
        (with_payment(exp_year=2101), "payment.exp_year"),
        (with_payment(cvc="12"), "payment.cvc"),
        (with_payment(cvc=123), "payment.cvc"),
        (without_address("city"), "shipping_address.city"),
        (without_address("postal_code"), "shipping_address.postal_code"),
        ({**valid, "shipping_address": {**valid["shipping_address"], "line1": ""}},
         "shipping_address.line1"),
        ({"payment": valid["payment"]}, "shipping_address"),
        ({**valid, "coupon": "FREE"}, "coupon"),
    ]


def test_invalid_checkout_bodies_name_the_field_and_change_nothing(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    expect_problem: Any, error_fields: Any, stock_of: Any, cart_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=3)
    cart = fill_cart(customer, {product["id"]: 1})

    for body, field in invalid_bodies(checkout_body()):
        response = checkout(customer, body)

        expect_problem(response, 422, "validation")
        assert field in error_fields(response), body
    assert (stock_of(product["id"]), cart_of(customer)) == (3, cart)
    assert orders_of(customer)["total"] == 0


def test_a_card_whose_month_has_passed_is_expired(
    customer: Any, checkout: Any, checkout_body: Any, error_fields: Any
) -> None:
    now = time.gmtime()
    body = checkout_body()
    if now.tm_mon > 1:
        body["payment"].update(exp_month=now.tm_mon - 1, exp_year=now.tm_year)
    else:
        body["payment"].update(exp_month=12, exp_year=now.tm_year - 1)

    assert "payment.exp_year" in error_fields(checkout(customer, body))


def test_a_card_valid_until_the_end_of_this_month_is_accepted(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any
) -> None:
    now = time.gmtime()
    body = checkout_body()
    body["payment"].update(exp_month=now.tm_mon, exp_year=now.tm_year)
    fill_cart(customer, {create_product()["id"]: 1})

    assert checkout(customer, body).status_code == 201


def test_a_checkout_body_that_is_not_an_object_is_malformed(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    for raw in (b"[]", b"checkout please"):
        response = api.post("/api/orders", content=raw, headers=customer.headers)

        expect_problem(response, 400, "malformed")


def test_orders_keep_their_copy_of_a_deleted_product(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any
) -> None:
    product = create_product(name="Soon Gone", price_cents=450)
    fill_cart(customer, {product["id"]: 2})
    order = checkout(customer).json()

    api.delete(f"/api/products/{product['id']}", headers=admin.headers)
    again = api.get(f"/api/orders/{order['id']}", headers=customer.headers)

    assert again.status_code == 200
    assert again.json()["items"][0]["name"] == "Soon Gone"
    assert again.json()["total_cents"] == 900
