"""The cart: set, replace, remove, clear, at today's catalog prices."""

from __future__ import annotations

from typing import Any

import httpx

EMPTY_CART = {"items": [], "item_count": 0, "total_cents": 0}
LINE_FIELDS = {"product_id", "sku", "name", "unit_price_cents", "quantity", "line_total_cents"}


def put(api: httpx.Client, account: Any, product_id: str, quantity: Any) -> httpx.Response:
    return api.put(f"/api/cart/items/{product_id}", json={"quantity": quantity},
                   headers=account.headers)


def test_a_new_customer_has_an_empty_cart(api: httpx.Client, customer: Any) -> None:
    response = api.get("/api/cart", headers=customer.headers)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == EMPTY_CART


def test_putting_an_item_answers_the_priced_cart(
    api: httpx.Client, customer: Any, create_product: Any
) -> None:
    product = create_product(price_cents=1999, name="Desk Lamp")

    response = put(api, customer, product["id"], 3)

    assert response.status_code == 200
    assert response.json() == {
        "items": [{"product_id": product["id"], "sku": product["sku"], "name": "Desk Lamp",
                   "unit_price_cents": 1999, "quantity": 3, "line_total_cents": 5997}],
        "item_count": 3,
        "total_cents": 5997,
    }
    assert api.get("/api/cart", headers=customer.headers).json() == response.json()


def test_put_sets_the_quantity_instead_of_adding(
    api: httpx.Client, customer: Any, create_product: Any
) -> None:
    product = create_product()
    put(api, customer, product["id"], 5)

    cart = put(api, customer, product["id"], 2).json()

    assert [line["quantity"] for line in cart["items"]] == [2]
    assert cart["item_count"] == 2


def test_lines_are_sorted_by_sku_and_totals_add_up(
    api: httpx.Client, customer: Any, create_product: Any, random_sku: Any, fill_cart: Any
) -> None:
    first, second, third = sorted(random_sku() for _ in range(3))
    products = [create_product(sku=third, price_cents=300), create_product(sku=first,
                price_cents=150), create_product(sku=second, price_cents=1000)]

    cart = fill_cart(customer, {p["id"]: n for p, n in zip(products, (2, 1, 4), strict=True)})

    assert [line["sku"] for line in cart["items"]] == [first, second, third]
    assert [line["line_total_cents"] for line in cart["items"]] == [150, 4000, 600]
    assert (cart["item_count"], cart["total_cents"]) == (7, 4750)
    assert all(set(line) == LINE_FIELDS for line in cart["items"])


def test_the_cart_shows_todays_price(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, fill_cart: Any
) -> None:
    product = create_product(price_cents=1000)
    fill_cart(customer, {product["id"]: 2})

    api.patch(f"/api/products/{product['id']}", json={"price_cents": 1250}, headers=admin.headers)
    cart = api.get("/api/cart", headers=customer.headers).json()

    assert cart["items"][0]["unit_price_cents"] == 1250
    assert cart["total_cents"] == 2500


def test_a_deleted_product_is_left_out_of_the_cart(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, fill_cart: Any
) -> None:
    kept, gone = create_product(price_cents=100), create_product(price_cents=700)
    fill_cart(customer, {kept["id"]: 1, gone["id"]: 1})

    api.delete(f"/api/products/{gone['id']}", headers=admin.headers)
    cart = api.get("/api/cart", headers=customer.headers).json()

    assert [line["product_id"] for line in cart["items"]] == [kept["id"]]
    assert (cart["item_count"], cart["total_cents"]) == (1, 100)


def test_put_does_not_check_stock(api: httpx.Client, customer: Any, create_product: Any) -> None:
    product = create_product(stock=0)

    assert put(api, customer, product["id"], 99).status_code == 200


def test_an_unknown_product_cannot_be_put_in_the_cart(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    for product_id in ("000000000000000000000000", "no-such-product", "42"):
        expect_problem(put(api, customer, product_id, 1), 404, "not-found")
    assert api.get("/api/cart", headers=customer.headers).json() == EMPTY_CART


def test_quantities_outside_one_to_ninety_nine_are_refused(
    api: httpx.Client, customer: Any, create_product: Any, expect_problem: Any,
    error_fields: Any
) -> None:
    product = create_product()
    for quantity in (0, 100, -1, "2", 1.5, None):
        response = put(api, customer, product["id"], quantity)

        expect_problem(response, 422, "validation")
        assert error_fields(response) == {"quantity"}, quantity
    assert put(api, customer, product["id"], 99).json()["item_count"] == 99


def test_a_cart_body_that_is_not_an_object_is_malformed(
    api: httpx.Client, customer: Any, create_product: Any, expect_problem: Any
) -> None:
    product = create_product()

    response = api.put(f"/api/cart/items/{product['id']}", content=b"3",
                       headers=customer.headers)

    expect_problem(response, 400, "malformed")


def test_removing_an_item_answers_the_rest_of_the_cart(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any
) -> None:
    kept, removed = create_product(), create_product()
    fill_cart(customer, {kept["id"]: 1, removed["id"]: 2})

    response = api.delete(f"/api/cart/items/{removed['id']}", headers=customer.headers)

    assert response.status_code == 200
    assert [line["product_id"] for line in response.json()["items"]] == [kept["id"]]


def test_removing_an_item_that_is_not_there_is_fine(
    api: httpx.Client, customer: Any, create_product: Any
) -> None:
    product = create_product()

    response = api.delete(f"/api/cart/items/{product['id']}", headers=customer.headers)

    assert response.status_code == 200
    assert response.json() == EMPTY_CART


def test_clearing_the_cart_empties_it(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any
) -> None:
    fill_cart(customer, {create_product()["id"]: 1, create_product()["id"]: 3})

    response = api.delete("/api/cart", headers=customer.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert api.get("/api/cart", headers=customer.headers).json() == EMPTY_CART


def test_each_customer_has_a_cart_of_their_own(
    api: httpx.Client, new_customer: Any, create_product: Any, fill_cart: Any
) -> None:
    alice, bob = new_customer(), new_customer()
    fill_cart(alice, {create_product()["id"]: 1})

    assert api.get("/api/cart", headers=bob.headers).json() == EMPTY_CART
    assert api.get("/api/cart", headers=alice.headers).json()["item_count"] == 1
