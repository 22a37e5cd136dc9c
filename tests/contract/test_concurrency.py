"""No oversell: many buyers race for the last units, exactly as many win as there were units."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

BUYERS = 16
UNITS = 5


def test_sixteen_concurrent_buyers_of_five_units_leave_exactly_five_orders(
    shop: Any, new_customer: Any, create_product: Any, fill_cart: Any, checkout_body: Any,
    stock_of: Any, cart_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=UNITS)
    with ThreadPoolExecutor(max_workers=4) as pool:
        buyers = list(pool.map(lambda _: new_customer(), range(BUYERS)))
    for buyer in buyers:
        fill_cart(buyer, {product["id"]: 1})
    start = threading.Barrier(BUYERS)
    body = checkout_body()

    def buy(buyer: Any) -> httpx.Response:
        with httpx.Client(base_url=shop.base_url, timeout=30.0) as client:
            start.wait(timeout=30)
            return client.post("/api/orders", json=body, headers=buyer.headers)

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        responses = list(pool.map(buy, buyers))

    outcomes = Counter((r.status_code, r.json().get("type", "order")) for r in responses)
    assert outcomes == {(201, "order"): UNITS, (409, "/problems/out-of-stock"): BUYERS - UNITS}
    assert stock_of(product["id"]) == 0
    for buyer, response in zip(buyers, responses, strict=True):
        kept_cart = cart_of(buyer)["item_count"]
        orders = orders_of(buyer)["total"]
        assert (kept_cart, orders) == ((0, 1) if response.status_code == 201 else (1, 0))
