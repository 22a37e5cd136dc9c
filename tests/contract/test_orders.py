"""Orders after checkout: listing, reading, cancelling; each customer sees only their own."""

from __future__ import annotations

import time
from typing import Any

import httpx

DECLINED_CARD = "4000000000000002"


def buy(customer: Any, product: dict[str, Any], quantity: int, fill_cart: Any,
        checkout: Any) -> dict[str, Any]:
    fill_cart(customer, {product["id"]: quantity})
    response = checkout(customer)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_orders_are_listed_newest_first(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, orders_of: Any
) -> None:
    product = create_product(stock=10)
    first = buy(customer, product, 1, fill_cart, checkout)
    time.sleep(1.1)  # timestamps are kept to the second
    second = buy(customer, product, 2, fill_cart, checkout)

    page = orders_of(customer)

    assert [order["id"] for order in page["items"]] == [second["id"], first["id"]]
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 20)


def test_the_order_list_is_paged(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    error_fields: Any
) -> None:
    product = create_product(stock=10)
    ids = {buy(customer, product, 1, fill_cart, checkout)["id"] for _ in range(3)}

    pages = [api.get("/api/orders", params={"page": n, "page_size": 2},
                     headers=customer.headers).json() for n in (1, 2)]

    assert [len(page["items"]) for page in pages] == [2, 1]
    assert {order["id"] for page in pages for order in page["items"]} == ids
    assert all(page["total"] == 3 for page in pages)
    response = api.get("/api/orders", params={"page_size": 101}, headers=customer.headers)
    assert "page_size" in error_fields(response)


def test_failed_and_cancelled_orders_are_listed_too(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    checkout_body: Any, orders_of: Any
) -> None:
    product = create_product(stock=10)
    confirmed = buy(customer, product, 1, fill_cart, checkout)
    api.post(f"/api/orders/{confirmed['id']}/cancel", headers=customer.headers)
    fill_cart(customer, {product["id"]: 1})
    checkout(customer, checkout_body(DECLINED_CARD))

    statuses = sorted(order["status"] for order in orders_of(customer)["items"])

    assert statuses == ["cancelled", "failed"]


def test_cancel_refunds_and_gives_the_stock_back(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    stock_of: Any
) -> None:
    product = create_product(stock=5)
    order = buy(customer, product, 3, fill_cart, checkout)
    assert stock_of(product["id"]) == 2

    response = api.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)

    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment"] == {"status": "refunded", "card_last4": "4242"}
    assert {k: cancelled[k] for k in ("id", "items", "total_cents", "created_at")} == {
        k: order[k] for k in ("id", "items", "total_cents", "created_at")}
    assert stock_of(product["id"]) == 5
    assert api.get(f"/api/orders/{order['id']}", headers=customer.headers).json() == cancelled


def test_a_second_cancel_is_a_conflict_and_moves_no_stock(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    expect_problem: Any, stock_of: Any
) -> None:
    product = create_product(stock=5)
    order = buy(customer, product, 2, fill_cart, checkout)
    api.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)

    again = api.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)

    expect_problem(again, 409, "conflict")
    assert stock_of(product["id"]) == 5


def test_a_failed_order_cannot_be_cancelled(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    checkout_body: Any, expect_problem: Any
) -> None:
    fill_cart(customer, {create_product()["id"]: 1})
    order_id = checkout(customer, checkout_body(DECLINED_CARD)).json()["order_id"]

    response = api.post(f"/api/orders/{order_id}/cancel", headers=customer.headers)

    expect_problem(response, 409, "conflict")


def test_another_customers_order_is_not_found(
    api: httpx.Client, new_customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    expect_problem: Any, orders_of: Any, stock_of: Any
) -> None:
    owner, stranger = new_customer(), new_customer()
    product = create_product(stock=3)
    order = buy(owner, product, 1, fill_cart, checkout)

    expect_problem(api.get(f"/api/orders/{order['id']}", headers=stranger.headers), 404,
                   "not-found")
    expect_problem(api.post(f"/api/orders/{order['id']}/cancel", headers=stranger.headers),
                   404, "not-found")
    assert orders_of(stranger)["total"] == 0
    assert stock_of(product["id"]) == 2


def test_an_unknown_or_impossible_order_id_is_not_found(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    for order_id in ("0", "000000000000000000000000", "3f1c0c1e-0000-4000-8000-000000000000",
                     "not-an-order"):
        expect_problem(api.get(f"/api/orders/{order_id}", headers=customer.headers), 404,
                       "not-found")
        expect_problem(api.post(f"/api/orders/{order_id}/cancel", headers=customer.headers),
                       404, "not-found")


def test_the_admin_sees_only_their_own_orders_too(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any, expect_problem: Any
) -> None:
    order = buy(customer, create_product(), 1, fill_cart, checkout)

    response = api.get(f"/api/orders/{order['id']}", headers=admin.headers)

    expect_problem(response, 404, "not-found")
