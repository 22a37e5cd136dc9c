"""A late confirmation takes out of the cart only what its order bought.

Payments hangs (SIGSTOP) while a checkout charges: the orders service times out,
the order stays pending and the customer is told 503. The customer then goes on
shopping: more of one product bought, a new product. Payments goes on (SIGCONT)
and serves the charge that waited, so the reconciler confirms the order late. The
cart must keep what was put in since: each bought line lowered by the quantity
bought (the decision in docs/microservices.md), not the whole cart emptied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


def _cart(api: httpx.Client, customer: Any) -> dict[str, int]:
    response = api.get("/api/cart", headers=customer.headers)
    assert response.status_code == 200, response.text
    return {item["product_id"]: item["quantity"] for item in response.json()["items"]}


def test_a_late_confirmed_order_leaves_what_was_put_in_the_cart_since(
        stack: Any, api: httpx.Client, new_customer: Callable[[], Any],
        create_product: Callable[..., dict[str, Any]], fill_cart: Callable[..., None],
        checkout_body: Callable[..., dict[str, Any]], orders_of: Callable[[Any], Any],
        eventually: Callable[..., Any]) -> None:
    customer = new_customer()
    more, once, added = (create_product()["id"] for _ in range(3))
    fill_cart(customer, {more: 2, once: 1})
    with stack.hanging("payments"):
        answer = api.post("/api/orders", json=checkout_body(), headers=customer.headers)
        assert answer.status_code == 503, answer.text
        [pending] = orders_of(customer)
        assert pending["status"] == "pending"
        fill_cart(customer, {more: 5, added: 3})  # shopping on, while the order waits
    confirmed = eventually(
        lambda: (order := orders_of(customer)[0])["status"] == "confirmed" and order or None,
        within=stack.reconcile_grace_seconds + 30, what="the late order confirmed")
    assert {line["product_id"]: line["quantity"] for line in confirmed["items"]} == {
        more: 2, once: 1}
    assert _cart(api, customer) == {more: 3, added: 3}
