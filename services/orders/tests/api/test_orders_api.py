"""Listing, reading and cancelling orders; health, metrics and problem answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from orders.app import create_app
from orders.config import Settings

Body = Callable[..., dict[str, Any]]


@pytest.fixture
def place(client: FlaskClient, auth: dict[str, str], checkout_body: Body, fake, user_id: str,
          create_product: Callable[..., str]) -> Callable[..., dict[str, Any]]:
    """Places an order of one product through the API; its body."""
    def run(card: str = "4242424242424242") -> dict[str, Any]:
        fake.put_in_cart(user_id, create_product(stock=5), 1)
        response = client.post("/api/orders", json=checkout_body(card), headers=auth)
        assert response.status_code in (201, 402)
        order_id = response.get_json().get("order_id") or response.get_json()["id"]
        return client.get(f"/api/orders/{order_id}", headers=auth).get_json()
    return run


def test_the_list_is_the_caller_s_orders_newest_first_in_pages(
        client: FlaskClient, auth: dict[str, str], place: Callable[..., dict[str, Any]]) -> None:
    placed = [place(), place("4000000000000002"), place()]
    page = client.get("/api/orders?page=1&page_size=2", headers=auth).get_json()
    assert page["total"] == 3 and page["page"] == 1 and page["page_size"] == 2
    assert [o["id"] for o in page["items"]] == [placed[2]["id"], placed[1]["id"]]
    rest = client.get("/api/orders?page=2&page_size=2", headers=auth).get_json()
    assert [o["id"] for o in rest["items"]] == [placed[0]["id"]]


@pytest.mark.parametrize("query", ["page_size=101", "page=0", "page=x"])
def test_bad_page_parameters_are_422(client: FlaskClient, auth: dict[str, str],
                                     query: str) -> None:
    response = client.get(f"/api/orders?{query}", headers=auth)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/validation"


def test_someone_else_s_order_is_404_like_an_unknown_one(
        client: FlaskClient, issuer, place: Callable[..., dict[str, Any]]) -> None:
    order = place()
    stranger = {"Authorization": f"Bearer {issuer.issue(subject='stranger', role='admin')}"}
    for path in (f"/api/orders/{order['id']}", "/api/orders/no-such-order"):
        response = client.get(path, headers=stranger)
        assert response.status_code == 404
        assert response.get_json()["type"] == "/problems/not-found"
    assert client.post(f"/api/orders/{order['id']}/cancel", headers=stranger).status_code == 404
    assert client.get("/api/orders", headers=stranger).get_json()["total"] == 0


def test_cancelling_refunds_gives_the_stock_back_and_only_once(
        client: FlaskClient, auth: dict[str, str], fake,
        place: Callable[..., dict[str, Any]]) -> None:
    order = place()
    product_id = order["items"][0]["product_id"]
    assert fake.stock[product_id] == 4
    response = client.post(f"/api/orders/{order['id']}/cancel", headers=auth)
    assert response.status_code == 200
    cancelled = response.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["payment"]["status"] == "refunded"
    assert fake.stock[product_id] == 5 and fake.charges[order["id"]]["status"] == "refunded"
    again = client.post(f"/api/orders/{order['id']}/cancel", headers=auth)
    assert again.status_code == 409 and again.get_json()["type"] == "/problems/conflict"


def test_a_failed_order_cannot_be_cancelled(client: FlaskClient, auth: dict[str, str],
                                            place: Callable[..., dict[str, Any]]) -> None:
    order = place("4000000000000002")
    response = client.post(f"/api/orders/{order['id']}/cancel", headers=auth)
    assert response.status_code == 409


def test_a_cancel_with_payments_down_is_503_and_can_be_repeated(
        client: FlaskClient, auth: dict[str, str], fake,
        place: Callable[..., dict[str, Any]]) -> None:
    order = place()
    fake.down.add("payments")
    assert client.post(f"/api/orders/{order['id']}/cancel", headers=auth).status_code == 503
    assert client.get(f"/api/orders/{order['id']}", headers=auth).get_json()["status"] == (
        "confirmed")
    fake.down.clear()
    assert client.post(f"/api/orders/{order['id']}/cancel", headers=auth).status_code == 200


def test_health_readiness_and_metrics(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "schema": "ok"}
    assert 'service="orders"' in client.get("/metrics").get_data(as_text=True)


def test_readiness_is_503_when_the_database_is_unreachable(settings: Settings, issuer) -> None:
    app = create_app(settings.model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:1/orders"}),
        verifier=issuer.verifier())
    response = app.test_client().get("/readyz")
    app.extensions["orders"].saga.db.dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_unknown_routes_and_methods_are_problems(client: FlaskClient) -> None:
    assert client.get("/api/nothing").get_json()["type"] == "/problems/not-found"
    assert client.delete("/api/orders").status_code == 405
