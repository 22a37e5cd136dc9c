# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from shop.catalog.domain import Product


def test_the_cart_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/api/cart").status_code == 401


def test_an_empty_cart(client: FlaskClient, auth: Any) -> None:
    assert client.get("/api/cart", headers=auth.customer()).json == {
        "items": [], "item_count": 0, "total_cents": 0}


def test_put_sets_the_quantity_and_answers_the_priced_cart(
        client: FlaskClient, auth: Any, create_product: Callable[..., Product]) -> None:
    headers, product = auth.customer(), create_product(sku="LAMP", name="Lamp", price_cents=250)
    path = f"/api/cart/items/{product.id}"
    client.put(path, json={"quantity": 5}, headers=headers)
    response = client.put(path, json={"quantity": 2}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"items": [{"product_id": product.id, "sku": "LAMP", "name": "Lamp",
                                        "unit_price_cents": 250, "quantity": 2,
                                        "line_total_cents": 500}],
                             "item_count": 2, "total_cents": 500}


def test_an_unknown_product_is_404(client: FlaskClient, auth: Any) -> None:
    response = client.put("/api/cart/items/nope", json={"quantity": 1}, headers=auth.customer())
    assert (response.status_code, response.json["type"]) == (404, "/problems/not-found")


@pytest.mark.parametrize("quantity", [0, 100, "1", 1.5, None])
def test_quantities_outside_1_to_99_are_refused(
        client: FlaskClient, auth: Any, create_product: Callable[..., Product],
        quantity: Any) -> None:
    response = client.put(f"/api/cart/items/{create_product().id}", json={"quantity": quantity},
                          headers=auth.customer())
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["quantity"]


def test_lines_are_removed_one_by_one_or_all_at_once(
        client: FlaskClient, auth: Any, create_product: Callable[..., Product]) -> None:
    headers, first, second = auth.customer(), create_product(), create_product()
    for product in (first, second):
        client.put(f"/api/cart/items/{product.id}", json={"quantity": 1}, headers=headers)
    response = client.delete(f"/api/cart/items/{first.id}", headers=headers)
    assert [item["product_id"] for item in response.json["items"]] == [second.id]
    assert client.delete("/api/cart/items/not-there", headers=headers).status_code == 200
    cleared = client.delete("/api/cart", headers=headers)
    assert (cleared.status_code, cleared.get_data()) == (204, b"")
    assert client.get("/api/cart", headers=headers).json["items"] == []
