"""The order page follows the order event stream: a change made elsewhere shows at once,
without a reload, and the stream closes when the page is left."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, Request, expect

APPROVED_CARD = "4242424242424242"
LIVE = "This page updates by itself."


def confirmed_order(api: httpx.Client, customer: Any, product: dict[str, Any]) -> str:
    """An order placed and paid through the API, as another client would."""
    answer = api.put(f"/api/cart/items/{product['id']}", json={"quantity": 1},
                     headers=customer.headers)
    assert answer.status_code == 200, answer.text
    body = {"payment": {"card_number": APPROVED_CARD, "exp_month": 12,
                        "exp_year": time.gmtime().tm_year + 1, "cvc": "123"},
            "shipping_address": {"name": customer.name, "line1": "1 Compiler Road",
                                 "city": "Arlington", "postal_code": "22201", "country": "US"}}
    answer = api.post("/api/orders", json=body,
                      headers={**customer.headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "confirmed"
    return str(answer.json()["id"])


def open_live_order_page(page: Page, sign_in: Callable[[str, str], None], customer: Any,
                         order_id: str) -> None:
    sign_in(customer.email, customer.password)
    page.goto(f"/#/orders/{order_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order_id}")
    expect(page.get_by_role("status").filter(has_text="Order")).to_have_text("Order confirmed")
    expect(page.get_by_text(LIVE)).to_be_visible()  # the stream's response has started


def test_a_cancel_from_another_client_shows_on_the_order_page_without_a_reload(
    page: Page, api: httpx.Client, customer: Any, sign_in: Callable[[str, str], None],
    create_product: Callable[..., dict[str, Any]], watched: Any,
) -> None:
    order_id = confirmed_order(api, customer, create_product())
    open_live_order_page(page, sign_in, customer, order_id)
    page.evaluate("window.stillThisPage = true")
    navigations: list[str] = []
    fetches: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.on("request", lambda request: fetches.append(request.url)
            if request.url.endswith(f"/api/orders/{order_id}") else None)

    answer = api.post(f"/api/orders/{order_id}/cancel", headers=customer.headers)
    assert answer.status_code == 200, answer.text

    expect(page.get_by_role("status").filter(has_text="Order")).to_have_text("Order cancelled")
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    # The same page, redrawn from the event: no navigation, not even a fetch of the order.
    assert page.evaluate("window.stillThisPage") is True
    assert navigations == [] and fetches == []
    # A cancelled order changes no more: the page has closed its stream.
    expect(page.get_by_text(LIVE)).to_have_count(0)
    assert watched.streams_open() == 0 and watched.streams_ended == 1


def test_leaving_the_order_page_closes_its_stream(
    page: Page, api: httpx.Client, customer: Any, sign_in: Callable[[str, str], None],
    create_product: Callable[..., dict[str, Any]], watched: Any,
) -> None:
    order_id = confirmed_order(api, customer, create_product())
    open_live_order_page(page, sign_in, customer, order_id)
    assert watched.streams_open() == 1

    with page.expect_event("requestfailed", predicate=lambda r: stream_request(r)):
        page.get_by_role("link", name="Your orders").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    assert watched.streams_open() == 0 and watched.streams_ended == 1


def stream_request(request: Request) -> bool:
    return request.url.endswith("/api/orders/events")
