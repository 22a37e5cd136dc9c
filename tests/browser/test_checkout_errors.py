"""Every checkout error of the contract, shown in the page at the field it concerns."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

GOOD = {"Card number": "4242424242424242", "Expiry month": "12", "Expiry year": "2099",
        "CVC": "123", "Full name": "Ada Lovelace", "Address line 1": "1 Analytical Way",
        "City": "London", "Postal code": "N1 9GU", "Country": "GB"}


def test_each_checkout_error_is_shown_at_its_field(
    page: Page, api: httpx.Client, customer: Any, watched: Any, snap: Callable[[str], None],
    sign_in: Callable[[str, str], None], create_product: Callable[..., dict[str, Any]],
) -> None:
    last = create_product(stock=1)
    answer = api.put(f"/api/cart/items/{last['id']}", json={"quantity": 2},
                     headers=customer.headers)
    assert answer.status_code == 200, answer.text
    sign_in(customer.email, customer.password)
    page.get_by_role("link", name="Cart (2)").click()
    page.get_by_role("button", name="Checkout").click()

    def place(changes: dict[str, str], status: int) -> None:
        for label, value in {**GOOD, **changes}.items():
            page.get_by_label(label, exact=True).fill(value)
        watched.expect(status)
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_role("alert")).to_contain_text("The order was not placed")

    def error_at(label: str) -> None:
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(r"\w"))

    place({"City": ""}, 422)
    error_at("City")
    snap("checkout-missing-field")
    place({"Card number": "4242424242424241"}, 422)
    error_at("Card number")
    expect(page.get_by_label("City", exact=True)).not_to_have_attribute("aria-invalid", "true")
    place({"Expiry month": "1", "Expiry year": "2020"}, 422)
    error_at("Expiry year")
    expect(page.get_by_label("Expiry year", exact=True)).to_have_accessible_description(
        re.compile("expired"))
    snap("checkout-expired")

    place({}, 409)
    line = page.get_by_role("listitem").filter(has_text=last["name"])
    expect(line).to_have_accessible_description("Out of stock: 1 available, 2 in your cart.")
    snap("checkout-out-of-stock")

    page.get_by_role("link", name="Change the quantities in your cart").click()
    page.get_by_label(f"Quantity of {last['name']}", exact=True).fill("1")
    page.get_by_role("button", name=f"Update quantity of {last['name']}").click()
    expect(page.get_by_role("link", name="Cart (1)")).to_be_visible()
    page.get_by_role("button", name="Checkout").click()
    place({"Card number": "4000000000000002"}, 402)
    expect(page.get_by_label("Card number", exact=True)).to_have_accessible_description(
        re.compile("Payment declined"))
    assert api.get(f"/api/products/{last['id']}").json()["stock"] == 1


def test_an_empty_cart_and_no_orders_say_so(
    page: Page, customer: Any, sign_in: Callable[[str, str], None], snap: Callable[[str], None],
) -> None:
    sign_in(customer.email, customer.password)
    page.get_by_role("link", name="Cart (0)").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    snap("cart-empty")
    page.goto("/#/checkout")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    snap("orders-empty")
    page.goto("/#/products?q=nothing-is-called-this")
    expect(page.get_by_text("No products match these filters.")).to_be_visible()
    snap("products-empty")
