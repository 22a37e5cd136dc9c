# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from shop.catalog.domain import Product


def _product_body(sku: str, **overrides: Any) -> dict[str, Any]:
    return {"sku": sku, "name": "Desk Lamp", "category": "Home", "price_cents": 2500,
            "stock": 3, **overrides}


def test_the_product_list_is_a_page_sorted_by_name(
        client: FlaskClient, create_product: Callable[..., Product]) -> None:
    create_product(name="b-lamp", sku="S-2")
    create_product(name="a-lamp", sku="S-1")
    response = client.get("/api/products?page_size=1&page=2")
    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["page_size"]) == (2, 2, 1)
    assert [item["name"] for item in body["items"]] == ["b-lamp"]
    assert set(body["items"][0]) == {"id", "sku", "name", "description", "category",
                                     "price_cents", "stock", "attributes", "created_at",
                                     "updated_at"}


@pytest.mark.parametrize("query,field", [("page_size=101", "page_size"), ("page=0", "page"),
                                         ("sort=cheapest", "sort"),
                                         ("min_price_cents=-1", "min_price_cents"),
                                         ("max_price_cents=abc", "max_price_cents")])
def test_bad_list_parameters_are_validation_errors(client: FlaskClient, query: str,
                                                   field: str) -> None:
    response = client.get(f"/api/products?{query}")
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == [field]


def test_filters_combine_search_category_and_price(
        client: FlaskClient, create_product: Callable[..., Product]) -> None:
    create_product(name="Red Lamp", category="Home", price_cents=500)
    create_product(name="Red Lamp XL", category="Home", price_cents=5000)
    create_product(name="Red Shirt", category="Apparel", price_cents=500)
    response = client.get("/api/products?q=red+lamp&category=Home&max_price_cents=500")
    assert [item["name"] for item in response.json["items"]] == ["Red Lamp"]


def test_one_product_and_unknown_or_malformed_ids(
        client: FlaskClient, create_product: Callable[..., Product]) -> None:
    product = create_product()
    assert client.get(f"/api/products/{product.id}").json["sku"] == product.sku
    for bad in ("00000000-0000-0000-0000-000000000000", "not-an-id", "507f1f77bcf86cd799439011"):
        response = client.get(f"/api/products/{bad}")
        assert (response.status_code, response.json["type"]) == (404, "/problems/not-found")


def test_categories_list_names_and_counts(
        client: FlaskClient, create_product: Callable[..., Product]) -> None:
    create_product(category="Books")
    create_product(category="Books")
    create_product(category="Apparel")
    assert client.get("/api/categories").json == {"items": [
        {"name": "Apparel", "product_count": 1}, {"name": "Books", "product_count": 2}]}


def test_an_admin_creates_a_product(client: FlaskClient, auth: Any,
                                    random_sku: Callable[[], str]) -> None:
    sku = random_sku()
    response = client.post("/api/products", json=_product_body(sku), headers=auth.admin())
    assert response.status_code == 201
    assert (response.json["sku"], response.json["description"], response.json["attributes"]) == (
        sku, "", {})


def test_product_writes_need_an_admin(client: FlaskClient, auth: Any,
                                      create_product: Callable[..., Product]) -> None:
    product = create_product()
    customer = auth.customer()
    calls = [("post", "/api/products", _product_body("X")),
             ("patch", f"/api/products/{product.id}", {"name": "New"}),
             ("delete", f"/api/products/{product.id}", None)]
    for method, path, body in calls:
        assert getattr(client, method)(path, json=body).status_code == 401
        forbidden = getattr(client, method)(path, json=body, headers=customer)
        assert (forbidden.status_code, forbidden.json["type"]) == (403, "/problems/forbidden")


def test_a_duplicate_sku_is_a_conflict(client: FlaskClient, auth: Any) -> None:
    headers = auth.admin()
    client.post("/api/products", json=_product_body("SAME"), headers=headers)
    response = client.post("/api/products", json=_product_body("SAME"), headers=headers)
    assert (response.status_code, response.json["type"]) == (409, "/problems/conflict")


@pytest.mark.parametrize("overrides,field", [({"price_cents": "5"}, "price_cents"),
                                             ({"price_cents": 1.0}, "price_cents"),
                                             ({"stock": True}, "stock"),
                                             ({"stock": -1}, "stock"),
                                             ({"attributes": []}, "attributes"),
                                             ({"colour": "red"}, "colour")])
def test_product_bodies_are_validated_strictly(client: FlaskClient, auth: Any,
                                               overrides: dict[str, Any], field: str) -> None:
    response = client.post("/api/products", json=_product_body("S", **overrides),
                           headers=auth.admin())
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json["errors"]]


def test_a_patch_changes_fields_but_never_the_sku(
        client: FlaskClient, auth: Any, create_product: Callable[..., Product]) -> None:
    product, headers = create_product(price_cents=100), auth.admin()
    path = f"/api/products/{product.id}"
    changed = client.patch(path, json={"price_cents": 150, "attributes": {"a": 1}},
                           headers=headers)
    assert (changed.status_code, changed.json["price_cents"], changed.json["attributes"]) == (
        200, 150, {"a": 1})
    assert client.patch(path, json={"sku": "NEW"}, headers=headers).status_code == 422
    assert client.patch(path, json={"name": None}, headers=headers).status_code == 422
    unchanged = client.patch(path, json={}, headers=headers)
    assert unchanged.json == changed.json


def test_a_deleted_product_is_404_afterwards(
        client: FlaskClient, auth: Any, create_product: Callable[..., Product]) -> None:
    product, headers = create_product(), auth.admin()
    response = client.delete(f"/api/products/{product.id}", headers=headers)
    assert (response.status_code, response.get_data()) == (204, b"")
    assert client.get(f"/api/products/{product.id}").status_code == 404
    assert client.delete(f"/api/products/{product.id}", headers=headers).status_code == 404


def test_ids_and_search_text_with_nul_characters_never_reach_the_database(
        client: FlaskClient) -> None:
    assert client.get("/api/products/abc%00def").status_code == 404
    response = client.get("/api/products?q=lamp%00")
    assert [error["field"] for error in response.json["errors"]] == ["q"]


def test_a_page_far_past_the_end_is_empty(client: FlaskClient,
                                          create_product: Callable[..., Product]) -> None:
    create_product()
    huge = 10**24
    body = client.get(f"/api/products?page={huge}&min_price_cents=0").json
    assert (body["items"], body["total"], body["page"]) == ([], 1, huge)


@pytest.mark.parametrize("attributes", [
    {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {}}}}}}}}}}},
    {"k\x00": 1}, {"k": ["\x00"]}, {"n": 2**63},
])
def test_attributes_past_the_bounds_are_refused_and_nothing_is_stored(
        client: FlaskClient, auth: Any, attributes: dict[str, Any]) -> None:
    response = client.post("/api/products", json=_product_body("BOUNDS", attributes=attributes),
                           headers=auth.admin())
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["attributes"]
    assert client.get("/api/products?q=BOUNDS").json["total"] == 0
    assert client.get("/api/products?sort=newest").status_code == 200
