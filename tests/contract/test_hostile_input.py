"""Hostile input is refused the same way by both shops, and nothing is stored.

Each class of input here once gave a 500 or an answer that differed between the
shops: an unbounded search, deeply nested or oddly keyed ``attributes``, a lone
surrogate anywhere in a body, NUL in a key or an address field, a removal of an
id holding NUL. The bounds are the contract's (``docs/contract-decisions.md``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

MAX_DEPTH = 10  # attributes: the object itself is level 1
MAX_ATTRIBUTE_BYTES = 16_384


def nested(levels: int, leaf: Any = 1) -> dict[str, Any]:
    """An object ``levels`` deep: ``nested(2) == {"a": {"a": 1}}``."""
    value: Any = leaf
    for _ in range(levels):
        value = {"a": value}
    return dict(value)


def nested_lists(levels: int) -> dict[str, Any]:
    """An object holding lists, ``levels`` containers deep in all."""
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return {"a": value}


def sku_absent(api: httpx.Client, sku: str) -> bool:
    """No product with this sku: the listing (filtered by the sku's words) does not show it."""
    response = api.request("GET", "/api/products", params={"q": sku, "page_size": 100})
    assert response.status_code == 200, response.text
    return all(item["sku"] != sku for item in response.json()["items"])


# ---- item 2: the search query is bounded ---------------------------------------------

@pytest.mark.parametrize("q", [
    "x" * 201,                                  # one long word
    " ".join(["lamp"] * 11),                    # too many words
    " ".join(f"w{i}" for i in range(500)),      # amplification (within a URL gunicorn takes)
    "a " * 11,                                  # short words count too
], ids=["201-chars", "11-words", "500-words", "11-one-letter-words"])
def test_a_search_past_the_bound_is_a_validation_error(
    api: httpx.Client, expect_problem: Any, error_fields: Any, q: str
) -> None:
    response = api.request("GET", "/api/products", params={"q": q})

    expect_problem(response, 422, "validation")
    assert error_fields(response) == {"q"}


def test_a_search_at_the_bound_still_answers(api: httpx.Client, create_product: Any) -> None:
    product = create_product(name="Bounded lamp of brass", description="glows softly")
    words = ["bounded", "LAMP", "brass", "glows", "soft", "of", "ss", "oun", "amp", "ow"]
    q = " ".join(words)
    assert len(words) == 10 and len(q) <= 200

    response = api.request("GET", "/api/products", params={"q": q, "page_size": 100})

    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [product["id"]]
    long_word = api.request("GET", "/api/products", params={"q": "z" * 200})
    assert long_word.status_code == 200 and long_word.json()["items"] == []


def test_search_words_are_substrings_of_the_name_or_the_description(
    api: httpx.Client, create_product: Any, random_sku: Any
) -> None:
    marker = random_sku().lower().replace("-", "")
    in_name = create_product(name=f"Lamp {marker}xyz", description="plain")
    in_description = create_product(name="Plain", description=f"A {marker}XYZ shade")
    create_product(name=f"Lamp {marker}", description="no suffix here")

    found = api.request("GET", "/api/products",
                 params={"q": f"{marker.upper()}xy", "sort": "name", "page_size": 100})

    assert found.status_code == 200, found.text
    assert sorted(item["id"] for item in found.json()["items"]) == sorted(
        [in_name["id"], in_description["id"]])
    both_words = api.request("GET", "/api/products",
                      params={"q": f"{marker}xyz shade", "page_size": 100})
    assert [item["id"] for item in both_words.json()["items"]] == [in_description["id"]]


# ---- item 5: attributes are bounded in depth and size -----------------------------------

@pytest.mark.parametrize("attributes", [
    nested(MAX_DEPTH + 1),        # eleven objects deep
    nested(600),
    nested_lists(MAX_DEPTH + 1),
    {"blob": "x" * MAX_ATTRIBUTE_BYTES},
    {f"k{i}": i for i in range(3000)},
    {"big": 2**63},
    {"big": -(2**53)},
], ids=["11-levels", "600-levels", "11-levels-of-lists", "over-16k", "many-keys",
        "int-beyond-int64", "int-beyond-2**53"])
def test_attributes_past_the_bounds_are_refused_and_nothing_is_stored(
    api: httpx.Client, admin: Any, random_sku: Any, expect_problem: Any, error_fields: Any,
    attributes: dict[str, Any]
) -> None:
    sku = random_sku()
    body = {"sku": sku, "name": "n", "category": "c", "price_cents": 1,
            "attributes": attributes}

    response = api.request("POST", "/api/products", json=body, headers=admin.headers)

    expect_problem(response, 422, "validation")
    assert error_fields(response) == {"attributes"}
    assert sku_absent(api, sku)
    for params in ({"sort": "newest"}, {"sort": "name"}):
        assert api.request("GET", "/api/products", params=params).status_code == 200


def test_attributes_at_the_bounds_are_stored_and_served(
    api: httpx.Client, admin: Any, create_product: Any
) -> None:
    deepest = nested(MAX_DEPTH - 1, leaf=[0.5, None, True, "ok", 2**53 - 1])
    product = create_product(attributes=deepest)

    assert product["attributes"] == deepest
    again = api.request("GET", f"/api/products/{product['id']}")
    assert again.status_code == 200 and again.json()["attributes"] == deepest


def test_a_patch_with_attributes_past_the_bounds_changes_nothing(
    api: httpx.Client, admin: Any, create_product: Any, expect_problem: Any
) -> None:
    product = create_product(attributes={"colour": "red"})

    response = api.request("PATCH", f"/api/products/{product['id']}", headers=admin.headers,
                    json={"name": "changed", "attributes": nested(700)})

    expect_problem(response, 422, "validation")
    current = api.request("GET", f"/api/products/{product['id']}").json()
    assert current["name"] == product["name"] and current["attributes"] == {"colour": "red"}


# ---- item 7: NUL in an attribute key, or in any string inside attributes ------------------

@pytest.mark.parametrize("attributes", [
    {"colo\x00ur": "red"},
    {"outer": {"in\x00ner": 1}},
    {"colour": "re\x00d"},
    {"list": ["ok", {"deep": "\x00"}]},
    {"$where": 1},
    {"a.b": 1},
    {"": 1},
], ids=["nul-key", "nested-nul-key", "nul-value", "nul-in-list", "dollar-key", "dotted-key",
        "empty-key"])
def test_attribute_keys_and_strings_a_store_cannot_take_are_refused(
    api: httpx.Client, admin: Any, random_sku: Any, create_product: Any, expect_problem: Any,
    error_fields: Any, attributes: dict[str, Any]
) -> None:
    sku = random_sku()
    created = api.request("POST", "/api/products", headers=admin.headers,
                   json={"sku": sku, "name": "n", "category": "c", "price_cents": 1,
                         "attributes": attributes})
    existing = create_product()
    patched = api.request("PATCH", f"/api/products/{existing['id']}", headers=admin.headers,
                   json={"attributes": attributes})

    for response in (created, patched):
        expect_problem(response, 422, "validation")
        assert error_fields(response) == {"attributes"}
    assert sku_absent(api, sku)
    assert api.request("GET", f"/api/products/{existing['id']}").json()["attributes"] == {}


# ---- item 6: a lone surrogate anywhere in any body is malformed ---------------------------

LONE_SURROGATES = ["\\ud800", "\\udfff", "x\\udbffy"]


@pytest.mark.parametrize("surrogate", LONE_SURROGATES)
def test_a_lone_surrogate_in_a_password_is_malformed_at_login_and_registration(
    api: httpx.Client, random_email: Any, expect_problem: Any, surrogate: str
) -> None:
    email = random_email()
    password = f'"{surrogate}xxxxxxxx"'  # the escape as JSON text, not a Python character
    register = f'{{"email": "{email}", "password": {password}, "name": "n"}}'.encode()
    login = f'{{"email": "{email}", "password": {password}}}'.encode()

    expect_problem(api.post("/api/auth/register", content=register), 400, "malformed")
    expect_problem(api.post("/api/auth/login", content=login), 400, "malformed")


def test_a_lone_surrogate_anywhere_in_any_body_is_malformed(
    api: httpx.Client, admin: Any, customer: Any, create_product: Any, random_sku: Any,
    checkout_body: Any, expect_problem: Any, cart_of: Any
) -> None:
    product = create_product()
    sku = random_sku()
    checkout = json.dumps(checkout_body()).replace('"GB"', '"G\\udc00B"')
    new_product = f'{{"sku": "{sku}", "name": "n", "category": "c", "price_cents": 1, '
    cases = [
        ("POST", "/api/products", admin, new_product + r'"attributes": {"k": [{"d": "\ud83d"}]}}'),
        ("POST", "/api/products", admin, new_product + r'"attributes": {"\ude00": 1}}'),
        ("PATCH", f"/api/products/{product['id']}", admin, '{"name": "\\ud800"}'),
        ("PUT", f"/api/cart/items/{product['id']}", customer, '{"quantity": 1, "\\ud800": 1}'),
        ("POST", "/api/orders", customer, checkout),
        ("POST", "/api/auth/login", None, '{"email": "\\udfff@example.com", "password": "p"}'),
    ]

    for method, url, account, raw in cases:
        headers = {"Content-Type": "application/json", **(account.headers if account else {})}
        response = api.request(method, url, content=raw.encode(), headers=headers)
        expect_problem(response, 400, "malformed")
    assert sku_absent(api, sku)
    assert api.request("GET", f"/api/products/{product['id']}").json()["name"] == product["name"]
    assert cart_of(customer)["items"] == []


def test_a_surrogate_pair_is_an_ordinary_character(
    api: httpx.Client, random_email: Any
) -> None:
    email = random_email()
    smiley = r"\ud83d\ude00"  # U+1F600 as a JSON surrogate pair
    raw = f'{{"email": "{email}", "password": "{smiley}xxxxxxxx", "name": "{smiley}"}}'.encode()

    registered = api.post("/api/auth/register", content=raw)

    assert registered.status_code == 201, registered.text
    assert registered.json()["name"] == "\U0001f600"
    login = api.post("/api/auth/login",
                     json={"email": email, "password": "\U0001f600xxxxxxxx"})
    assert login.status_code == 200, login.text


@pytest.mark.parametrize("body", [
    b'{"stock": NaN}', b'{"stock": -Infinity}', b'{"attributes": {"n": 1e400}}',
    b'{"attributes": {"n": [Infinity]}}',
])
def test_numbers_json_does_not_have_are_malformed(
    api: httpx.Client, admin: Any, create_product: Any, expect_problem: Any, body: bytes
) -> None:
    product = create_product()

    response = api.request("PATCH", f"/api/products/{product['id']}", content=body,
                    headers={**admin.headers, "Content-Type": "application/json"})

    expect_problem(response, 400, "malformed")
    assert api.request("GET", f"/api/products/{product['id']}").json()["stock"] == product["stock"]


# ---- item 8: NUL in an address field; removing an id holding NUL -------------------------

@pytest.mark.parametrize("field", ["name", "line1", "city", "postal_code", "country"])
def test_nul_in_a_shipping_address_field_is_refused_and_no_order_is_made(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
    checkout_body: Any, expect_problem: Any, error_fields: Any, orders_of: Any,
    stock_of: Any, field: str
) -> None:
    product = create_product(stock=3)
    fill_cart(customer, {product["id"]: 1})
    body = checkout_body()
    body["shipping_address"][field] = f"before\x00after{field}"

    response = checkout(customer, body)

    expect_problem(response, 422, "validation")
    assert error_fields(response) == {f"shipping_address.{field}"}
    assert orders_of(customer)["items"] == []
    assert stock_of(product["id"]) == 3


@pytest.mark.parametrize("product_id", ["%00", "abc%00def", "%00%00", "x" * 300, "%20"])
def test_removing_an_id_of_any_shape_answers_the_cart_unchanged(
    api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any, cart_of: Any,
    product_id: str
) -> None:
    product = create_product()
    before = fill_cart(customer, {product["id"]: 2})

    response = api.delete(f"/api/cart/items/{product_id}", headers=customer.headers)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == before == cart_of(customer)
