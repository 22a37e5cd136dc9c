"""Idempotency-Key on checkout: a repeat replays the first answer and charges nothing twice."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

DECLINED_CARD = "4000000000000002"


def new_key() -> str:
    return f"contract-{uuid.uuid4()}"


def test_a_repeat_with_the_same_key_replays_the_first_answer(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    stock_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=6)
    fill_cart(customer, {product["id"]: 2})
    key, body = new_key(), checkout_body()

    first = checkout(customer, body, key=key)
    second = checkout(customer, body, key=key)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.headers.get("Idempotent-Replayed") in (None, "false")
    assert stock_of(product["id"]) == 4
    assert [order["id"] for order in orders_of(customer)["items"]] == [first.json()["id"]]


def test_a_replay_is_answered_even_though_the_cart_is_now_empty(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any
) -> None:
    fill_cart(customer, {create_product()["id"]: 1})
    key, body = new_key(), checkout_body()
    first = checkout(customer, body, key=key)

    replays = [checkout(customer, body, key=key) for _ in range(2)]

    assert [r.status_code for r in replays] == [201, 201]
    assert all(r.json()["id"] == first.json()["id"] for r in replays)


def test_a_declined_checkout_is_replayed_too(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    expect_problem: Any, orders_of: Any
) -> None:
    fill_cart(customer, {create_product()["id"]: 1})
    key, body = new_key(), checkout_body(DECLINED_CARD)

    first = expect_problem(checkout(customer, body, key=key), 402, "payment-declined")
    again = checkout(customer, body, key=key)

    assert expect_problem(again, 402, "payment-declined")["order_id"] == first["order_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert orders_of(customer)["total"] == 1


def test_the_same_key_with_another_body_is_refused(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    expect_problem: Any, stock_of: Any
) -> None:
    product = create_product(stock=5)
    fill_cart(customer, {product["id"]: 1})
    key = new_key()
    assert checkout(customer, checkout_body(name="First Address"), key=key).status_code == 201
    fill_cart(customer, {product["id"]: 1})

    response = checkout(customer, checkout_body(name="Another Address"), key=key)

    expect_problem(response, 422, "idempotency-key-reuse")
    assert stock_of(product["id"]) == 4


def test_keys_belong_to_one_customer(
    new_customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any
) -> None:
    alice, bob = new_customer(), new_customer()
    product = create_product()
    fill_cart(alice, {product["id"]: 1})
    fill_cart(bob, {product["id"]: 1})
    key, body = new_key(), checkout_body()

    first, second = checkout(alice, body, key=key), checkout(bob, body, key=key)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") in (None, "false")


def test_an_out_of_stock_answer_frees_the_key(
    api: Any, admin: Any, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    checkout_body: Any, expect_problem: Any
) -> None:
    product = create_product(stock=0)
    fill_cart(customer, {product["id"]: 1})
    key, body = new_key(), checkout_body()
    expect_problem(checkout(customer, body, key=key), 409, "out-of-stock")

    api.patch(f"/api/products/{product['id']}", json={"stock": 1}, headers=admin.headers)
    retry = checkout(customer, body, key=key)

    assert retry.status_code == 201
    assert retry.headers.get("Idempotent-Replayed") in (None, "false")


def test_an_empty_cart_answer_frees_the_key(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, checkout_body: Any,
    expect_problem: Any
) -> None:
    key, body = new_key(), checkout_body()
    expect_problem(checkout(customer, body, key=key), 422, "empty-cart")
    fill_cart(customer, {create_product()["id"]: 1})

    assert checkout(customer, body, key=key).status_code == 201


def test_a_key_of_the_wrong_length_is_a_validation_problem(
    customer: Any, create_product: Any, fill_cart: Any, checkout: Any, expect_problem: Any,
    error_fields: Any, orders_of: Any
) -> None:
    fill_cart(customer, {create_product()["id"]: 1})

    for key in ("", "k" * 256):
        response = checkout(customer, key=key)

        expect_problem(response, 422, "validation")
        assert error_fields(response) == {"Idempotency-Key"}
    assert orders_of(customer)["total"] == 0
    assert checkout(customer, key="k" * 255).status_code == 201


def test_concurrent_repeats_of_one_key_make_one_order(
    shop: Any, customer: Any, create_product: Any, fill_cart: Any, checkout_body: Any,
    stock_of: Any, orders_of: Any
) -> None:
    product = create_product(stock=10)
    fill_cart(customer, {product["id"]: 2})
    headers = {**customer.headers, "Idempotency-Key": new_key()}
    body, start = checkout_body(), threading.Barrier(4)

    def attempt(_: int) -> httpx.Response:
        with httpx.Client(base_url=shop.base_url, timeout=30.0) as client:
            start.wait(timeout=30)
            return client.post("/api/orders", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(attempt, range(4)))

    created = {r.json()["id"] for r in responses if r.status_code == 201}
    others = [(r.status_code, r.json()["type"]) for r in responses if r.status_code != 201]
    assert len(created) == 1
    assert set(others) <= {(409, "/problems/idempotency-in-progress")}
    assert stock_of(product["id"]) == 8
    assert orders_of(customer)["total"] == 1
