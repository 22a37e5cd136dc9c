"""The admin path in the browser: create, edit and delete a product."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect


def test_an_admin_creates_edits_and_deletes_a_product(
    page: Page, shop: Any, api: httpx.Client, sign_in: Callable[[str, str], None],
    snap: Callable[[str], None],
) -> None:
    sku = f"BR-ADMIN-{uuid.uuid4().hex[:8].upper()}"
    name = f"Admin Teapot {sku[-8:]}"
    sign_in(shop.admin_email, shop.admin_password)
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="Admin: products")).to_be_visible()
    snap("admin")
    page.get_by_role("link", name="New product").click()
    page.get_by_label("SKU").fill(sku)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description").fill("Holds tea.")
    page.get_by_label("Category").fill("Browser tests")
    page.get_by_label("Price ($)").fill("19.50")
    page.get_by_label("Stock").fill("7")
    snap("admin-new")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("Product created")).to_be_visible()
    created = api.get("/api/products", params={"q": name}).json()["items"]
    assert [(p["sku"], p["price_cents"], p["stock"]) for p in created] == [(sku, 1950, 7)]

    page.get_by_label("Price ($)").fill("21")
    page.get_by_label("Stock").fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes saved")).to_be_visible()
    snap("admin-edit")
    product = api.get(f"/api/products/{created[0]['id']}").json()
    assert (product["price_cents"], product["stock"], product["name"]) == (2100, 3, name)
    page.get_by_role("link", name="View in the shop").click()
    expect(page.get_by_text("$21.00")).to_be_visible()
    expect(page.get_by_text("In stock: 3")).to_be_visible()

    page.go_back()
    page.get_by_role("button", name="Delete product").click()
    page.get_by_role("button", name="Confirm delete").click()
    expect(page.get_by_role("heading", name="Admin: products")).to_be_visible()
    assert api.get(f"/api/products/{created[0]['id']}").status_code == 404
