"""POST /api/orders through the Flask test client: answers, order of checks, idempotency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from chassis.clock import utcnow
from flask.testing import FlaskClient
from orders.reconciler import reconcile_pending
from orders.saga import Saga

Body = Callable[..., dict[str, Any]]


@pytest.fixture
def in_cart(fake, user_id: str, create_product: Callable[..., str]) -> str:
    product_id = create_product(sku="MUG-1", price_cents=1250, stock=2, name="Mug")
    fake.put_in_cart(user_id, product_id, 2)
    return product_id


def test_a_checkout_answers_201_with_the_confirmed_order(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, in_cart: str) -> None:
    response = client.post("/api/orders", json=checkout_body(), headers=auth)
    assert response.status_code == 201 and response.content_type == "application/json"
    order = response.get_json()
    assert set(order) == {"id", "status", "items", "total_cents", "shipping_address",
                          "payment", "created_at", "updated_at"}
    assert order["status"] == "confirmed"
    assert order["payment"] == {"status": "captured", "card_last4": "4242"}
    assert order["items"] == [{"product_id": in_cart, "sku": "MUG-1", "name": "Mug",
                               "unit_price_cents": 1250, "quantity": 2,
                               "line_total_cents": 2500}]
    assert order["total_cents"] == 2500 and order["shipping_address"]["city"] == "London"
    assert order["created_at"].endswith("Z") and len(order["created_at"]) == 20
    assert response.headers["X-Served-By"] == "orders"


def test_a_declined_card_is_402_with_the_order_id_of_a_failed_order(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, in_cart: str) -> None:
    response = client.post("/api/orders", json=checkout_body("4000000000000002"), headers=auth)
    assert response.status_code == 402
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "/problems/payment-declined"
    failed = client.get(f"/api/orders/{problem['order_id']}", headers=auth).get_json()
    assert failed["status"] == "failed" and failed["payment"]["status"] == "declined"


def test_out_of_stock_is_409_listing_the_short_lines_and_leaves_no_order(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake, user_id: str,
        in_cart: str) -> None:
    fake.put_in_cart(user_id, in_cart, 3)
    response = client.post("/api/orders", json=checkout_body(), headers=auth)
    assert response.status_code == 409
    assert response.get_json()["type"] == "/problems/out-of-stock"
    assert response.get_json()["items"] == [
        {"product_id": in_cart, "requested": 3, "available": 2}]
    assert client.get("/api/orders", headers=auth).get_json()["total"] == 0


def test_an_empty_cart_is_422_empty_cart(client: FlaskClient, auth: dict[str, str],
                                         checkout_body: Body) -> None:
    response = client.post("/api/orders", json=checkout_body(), headers=auth)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/empty-cart"


def test_the_body_is_checked_before_the_cart(client: FlaskClient, auth: dict[str, str],
                                             checkout_body: Body) -> None:
    body = checkout_body("4242424242424241")
    del body["shipping_address"]["city"]
    response = client.post("/api/orders", json=body, headers=auth)
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.get_json()["errors"]) == [
        "payment.card_number", "shipping_address.city"]
    assert client.post("/api/orders", data=b"[]", headers=auth).status_code == 400


def test_a_checkout_without_a_token_is_401(client: FlaskClient, checkout_body: Body) -> None:
    response = client.post("/api/orders", json=checkout_body())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_service_down_is_a_503_with_retry_after(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake,
        in_cart: str) -> None:
    fake.down.add("catalog")
    response = client.post("/api/orders", json=checkout_body(), headers=auth)
    assert response.status_code == 503
    assert response.get_json()["type"] == "/problems/unavailable"
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_of_bad_length_is_422_on_that_header(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, key: str) -> None:
    response = client.post("/api/orders", json=checkout_body(),
                           headers={**auth, "Idempotency-Key": key})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_repeat_with_the_same_key_replays_the_first_answer_and_charges_once(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake,
        in_cart: str) -> None:
    headers = {**auth, "Idempotency-Key": "order-1"}
    first = client.post("/api/orders", json=checkout_body(), headers=headers)
    again = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(fake.charges) == 1


def test_the_same_key_with_another_body_is_422_idempotency_key_reuse(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, in_cart: str) -> None:
    headers = {**auth, "Idempotency-Key": "order-2"}
    client.post("/api/orders", json=checkout_body(), headers=headers)
    response = client.post("/api/orders", json=checkout_body(exp_month=11), headers=headers)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/idempotency-key-reuse"


def test_a_declined_checkout_is_replayed_as_the_same_402(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake,
        in_cart: str) -> None:
    headers = {**auth, "Idempotency-Key": "declined-1"}
    body = checkout_body("4000000000000002")
    first = client.post("/api/orders", json=body, headers=headers)
    again = client.post("/api/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 402
    assert again.get_json() == first.get_json()
    assert again.content_type == "application/problem+json"
    assert again.headers["Idempotent-Replayed"] == "true" and len(fake.charges) == 1


def test_an_out_of_stock_checkout_frees_its_key_for_a_retry(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake, user_id: str,
        in_cart: str) -> None:
    headers = {**auth, "Idempotency-Key": "retry-me"}
    fake.put_in_cart(user_id, in_cart, 5)
    assert client.post("/api/orders", json=checkout_body(), headers=headers).status_code == 409
    fake.put_in_cart(user_id, in_cart, 1)
    retry = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


def test_a_key_whose_outcome_is_unknown_stays_in_progress_until_reconciled(
        client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake, saga: Saga,
        in_cart: str) -> None:
    headers = {**auth, "Idempotency-Key": "lost-answer"}
    fake.lose_charge_answer = True
    assert client.post("/api/orders", json=checkout_body(), headers=headers).status_code == 503
    fake.lose_charge_answer = False
    busy = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert busy.status_code == 409
    assert busy.get_json()["type"] == "/problems/idempotency-in-progress"
    reconcile_pending(saga=saga, older_than_seconds=60, now=utcnow() + timedelta(minutes=5))
    replay = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["status"] == "confirmed" and len(fake.charges) == 1


def test_keys_belong_to_one_user(client: FlaskClient, auth: dict[str, str], issuer,
                                 checkout_body: Body, fake, in_cart: str) -> None:
    client.post("/api/orders", json=checkout_body(), headers={**auth, "Idempotency-Key": "k"})
    other = {"Authorization": f"Bearer {issuer.issue(subject='someone-else', role='customer')}",
             "Idempotency-Key": "k"}
    response = client.post("/api/orders", json=checkout_body(), headers=other)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/empty-cart"
