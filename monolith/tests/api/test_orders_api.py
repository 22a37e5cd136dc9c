# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from shop.catalog.domain import Product

DECLINED = "4000000000000002"
BodyFactory = Callable[..., dict[str, Any]]
Shopper = Callable[..., dict[str, str]]
ProductFactory = Callable[..., Product]


@pytest.fixture
def shopper(client: FlaskClient, auth: Any,
            create_product: ProductFactory) -> Shopper:
    """A signed-in customer with ``quantity`` of ``product`` (a new one by default) in the cart."""
    def make(product: Product | None = None, quantity: int = 1) -> dict[str, str]:
        headers = auth.customer()
        product = product or create_product(stock=10)
        client.put(f"/api/cart/items/{product.id}", json={"quantity": quantity}, headers=headers)
        return headers
    return make


def _stock(client: FlaskClient, product: Product) -> int:
    return int(client.get(f"/api/products/{product.id}").json["stock"])


def test_a_checkout_answers_201_with_the_confirmed_order(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(sku="LAMP", price_cents=250, stock=3)
    headers = shopper(product, 2)
    response = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert response.status_code == 201
    order = response.json
    assert (order["status"], order["payment"], order["total_cents"]) == (
        "confirmed", {"status": "captured", "card_last4": "4242"}, 500)
    assert order["items"] == [{"product_id": product.id, "sku": "LAMP", "name": "Widget",
                               "unit_price_cents": 250, "quantity": 2, "line_total_cents": 500}]
    assert order["shipping_address"] == checkout_body()["shipping_address"]
    assert "Idempotent-Replayed" not in response.headers
    assert _stock(client, product) == 1
    assert client.get("/api/cart", headers=headers).json["item_count"] == 0


def test_a_repeat_with_the_same_key_replays_the_first_response(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(stock=5)
    headers = {**shopper(product, 1), "Idempotency-Key": "order-1"}
    first = client.post("/api/orders", json=checkout_body(), headers=headers)
    client.put(f"/api/cart/items/{product.id}", json={"quantity": 1}, headers=headers)
    again = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _stock(client, product) == 4
    assert client.get("/api/orders", headers=headers).json["total"] == 1


def test_the_same_key_with_another_body_is_422(
        client: FlaskClient, shopper: Shopper,
        checkout_body: BodyFactory) -> None:
    headers = {**shopper(), "Idempotency-Key": "k"}
    client.post("/api/orders", json=checkout_body(), headers=headers)
    response = client.post("/api/orders", json=checkout_body(exp_month=11), headers=headers)
    assert (response.status_code, response.json["type"]) == (
        422, "/problems/idempotency-key-reuse")


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_of_the_wrong_length_is_422(
        client: FlaskClient, shopper: Shopper,
        checkout_body: BodyFactory, key: str) -> None:
    response = client.post("/api/orders", json=checkout_body(),
                           headers={**shopper(), "Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "Idempotency-Key"


def test_a_declined_card_is_402_with_the_failed_orders_id_and_replays(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(stock=5)
    headers = {**shopper(product, 2), "Idempotency-Key": "declined"}
    response = client.post("/api/orders", json=checkout_body(DECLINED), headers=headers)
    assert (response.status_code, response.content_type) == (402, "application/problem+json")
    assert response.json["type"] == "/problems/payment-declined"
    failed = client.get(f"/api/orders/{response.json['order_id']}", headers=headers).json
    assert (failed["status"], failed["payment"]["status"]) == ("failed", "declined")
    assert _stock(client, product) == 5
    assert client.get("/api/cart", headers=headers).json["item_count"] == 2
    again = client.post("/api/orders", json=checkout_body(DECLINED), headers=headers)
    assert (again.status_code, again.json, again.headers["Idempotent-Replayed"]) == (
        402, response.json, "true")


def test_out_of_stock_is_409_listing_the_short_lines_and_frees_the_key(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(stock=1)
    headers = {**shopper(product, 3), "Idempotency-Key": "retry-me"}
    response = client.post("/api/orders", json=checkout_body(), headers=headers)
    assert (response.status_code, response.json["type"]) == (409, "/problems/out-of-stock")
    assert response.json["items"] == [{"product_id": product.id, "requested": 3, "available": 1}]
    assert client.get("/api/orders", headers=headers).json["total"] == 0
    client.put(f"/api/cart/items/{product.id}", json={"quantity": 1}, headers=headers)
    assert client.post("/api/orders", json=checkout_body(), headers=headers).status_code == 201


def test_an_empty_cart_is_422_empty_cart(client: FlaskClient, auth: Any,
                                         checkout_body: BodyFactory) -> None:
    response = client.post("/api/orders", json=checkout_body(), headers=auth.customer())
    assert (response.status_code, response.json["type"]) == (422, "/problems/empty-cart")


@pytest.mark.parametrize("payment,field", [({"card_number": "4242424242424241"},
                                            "payment.card_number"),
                                           ({"exp_month": 1, "exp_year": 2020}, "payment.exp_year"),
                                           ({"cvc": "12"}, "payment.cvc")])
def test_a_bad_card_is_422_before_the_cart_is_looked_at(
        client: FlaskClient, auth: Any, checkout_body: BodyFactory,
        payment: dict[str, Any], field: str) -> None:
    response = client.post("/api/orders", json=checkout_body(**payment), headers=auth.customer())
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == [field]


def test_orders_are_the_callers_own_newest_first(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(stock=10)
    headers = shopper(product)
    first = client.post("/api/orders", json=checkout_body(), headers=headers).json["id"]
    client.put(f"/api/cart/items/{product.id}", json={"quantity": 1}, headers=headers)
    second = client.post("/api/orders", json=checkout_body(), headers=headers).json["id"]
    listed = client.get("/api/orders", headers=headers).json
    assert ([order["id"] for order in listed["items"]], listed["total"]) == ([second, first], 2)
    stranger = shopper()
    assert client.get(f"/api/orders/{first}", headers=stranger).status_code == 404
    assert client.get("/api/orders", headers=stranger).json["total"] == 0


def test_cancelling_refunds_and_restocks_once(
        client: FlaskClient, shopper: Shopper,
        create_product: ProductFactory, checkout_body: BodyFactory) -> None:
    product = create_product(stock=4)
    headers = shopper(product, 3)
    order_id = client.post("/api/orders", json=checkout_body(), headers=headers).json["id"]
    cancelled = client.post(f"/api/orders/{order_id}/cancel", headers=headers)
    assert (cancelled.status_code, cancelled.json["status"], cancelled.json["payment"]["status"]) \
        == (200, "cancelled", "refunded")
    assert _stock(client, product) == 4
    again = client.post(f"/api/orders/{order_id}/cancel", headers=headers)
    assert (again.status_code, again.json["type"]) == (409, "/problems/conflict")
