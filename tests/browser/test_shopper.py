"""A shopper's whole path in the browser, with the mouse and with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def fill_checkout(page: Page, card: str) -> None:
    values = {"Card number": card, "Expiry month": "12", "Expiry year": "2099", "CVC": "123",
              "Full name": "Grace Hopper", "Address line 1": "1 Compiler Road",
              "City": "Arlington", "Postal code": "22201", "Country": "US"}
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


def test_a_shopper_signs_up_finds_buys_and_cancels_with_the_mouse(
    page: Page, shop: Any, snap: Callable[[str], None], watched: Any,
    create_product: Callable[..., dict[str, Any]],
) -> None:
    lamp = create_product(price_cents=2599, stock=5)
    create_product(name=f"{lamp['name']} deluxe", price_cents=99_900)
    page.goto("/")
    expect(page.locator("#served-by")).to_have_text(re.compile("monolith|gateway"))
    expect(page.get_by_role("link", name="Browser tests")).to_be_visible()
    snap("home")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("Email", exact=True).fill(f"grace-{lamp['sku'].lower()}@example.com")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    snap("sign-up")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Signed in as Grace Hopper")).to_be_visible()

    page.get_by_role("searchbox", name="Search products").fill(lamp["name"])
    page.get_by_role("searchbox", name="Search products").press("Enter")
    expect(page.get_by_role("status").filter(has_text="products")).to_have_text("2 products")
    page.get_by_label("Category").select_option("Browser tests")
    page.get_by_label("Max price ($)").fill("30")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status").filter(has_text="product")).to_have_text("1 product")
    snap("products")

    page.get_by_role("link", name=lamp["name"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lamp["name"])
    expect(page.get_by_text("$25.99")).to_be_visible()
    snap("product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name="Cart (1)")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Cart \(\d+\)$")).click()
    page.get_by_label(f"Quantity of {lamp['name']}", exact=True).fill("2")
    page.get_by_role("button", name=f"Update quantity of {lamp['name']}").click()
    expect(page.get_by_role("link", name="Cart (2)")).to_be_visible()
    expect(page.get_by_text("Total: $51.98")).to_be_visible()
    snap("cart")

    page.get_by_role("button", name="Checkout").click()
    fill_checkout(page, DECLINED_CARD)
    watched.expect(402)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_label("Card number", exact=True)).to_have_accessible_description(
        re.compile("Payment declined"))
    snap("checkout-declined")

    page.get_by_label("Card number", exact=True).fill(APPROVED_CARD)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Order confirmed")).to_be_visible()
    expect(page.get_by_role("link", name="Cart (0)")).to_be_visible()
    order_heading = page.get_by_role("heading", level=1).text_content()
    snap("order")

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("row")).to_have_count(3)  # the header, the confirmed, the declined
    snap("orders")
    page.get_by_role("link", name=order_heading or "").click()
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_text("Order cancelled")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    expect(page.locator("#request-id")).to_have_text(re.compile(r"^[A-Za-z0-9._-]{1,128}$"))
    snap("order-cancelled")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus: it is reachable with the keyboard."""
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_a_shopper_buys_with_the_keyboard_alone(
    page: Page, customer: Any, snap: Callable[[str], None],
    create_product: Callable[..., dict[str, Any]],
) -> None:
    kettle = create_product(name=f"Keyboard Kettle {customer.email[8:16]}", price_cents=4_250)
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Sign in"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Email", exact=True))
    page.keyboard.type(customer.email)
    page.keyboard.press("Tab")
    page.keyboard.type(customer.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    tab_to(page, page.get_by_role("searchbox", name="Search products"))
    page.keyboard.type(kettle["name"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="product")).to_have_text("1 product")
    tab_to(page, page.get_by_role("link", name=kettle["name"]))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Add to cart"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Go to the cart"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Checkout"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_label("Card number", exact=True))
    for value in (APPROVED_CARD, "12", "2099", "123", "Ada Lovelace", "1 Analytical Way",
                  "London", "N1 9GU", "GB"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Place order")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Order confirmed")).to_be_visible()
    expect(page.get_by_text("Total: $42.50")).to_be_visible()
    snap("order-keyboard")
