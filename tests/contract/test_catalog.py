"""Products and categories: reading, searching, sorting, paging, and the admin's changes."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

PRODUCT_FIELDS = {"id", "sku", "name", "description", "category", "price_cents", "stock",
                  "attributes", "created_at", "updated_at"}
NEVER_IDS = ["0", "12345678", "000000000000000000000000", str(uuid.uuid4()), "not-an-id"]


def unique(prefix: str = "zq") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def listing(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get("/api/products", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return dict(response.json())


def skus(page: dict[str, Any]) -> list[str]:
    return [product["sku"] for product in page["items"]]


def test_creating_a_product_answers_it_with_defaults(
    api: httpx.Client, admin: Any, random_sku: Any
) -> None:
    sku = random_sku()
    body = {"sku": sku, "name": "Plain Mug", "category": "Kitchen", "price_cents": 900}

    response = api.post("/api/products", json=body, headers=admin.headers)

    assert response.status_code == 201
    product = response.json()
    assert set(product) == PRODUCT_FIELDS
    assert {k: product[k] for k in body} == body
    assert (product["description"], product["stock"], product["attributes"]) == ("", 0, {})
    assert api.get(f"/api/products/{product['id']}").json() == product


def test_free_form_attributes_are_kept_as_given(create_product: Any, api: httpx.Client) -> None:
    attributes = {"size": "M", "colours": ["red", "navy"], "wattage": 1200,
                  "dimensions": {"w_mm": 300, "h_mm": 120}, "organic": False}

    product = create_product(attributes=attributes, description="A sentence.")

    assert product["attributes"] == attributes
    assert api.get(f"/api/products/{product['id']}").json()["attributes"] == attributes


def test_a_duplicate_sku_is_a_conflict(
    api: httpx.Client, admin: Any, create_product: Any, expect_problem: Any
) -> None:
    product = create_product()
    body = {"sku": product["sku"], "name": "Copy", "category": "C", "price_cents": 1}

    expect_problem(api.post("/api/products", json=body, headers=admin.headers), 409, "conflict")


def test_invalid_products_name_the_offending_field(
    api: httpx.Client, admin: Any, random_sku: Any, expect_problem: Any, error_fields: Any
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"price_cents": 0}, "price_cents"), ({"price_cents": 100_000_001}, "price_cents"),
        ({"price_cents": "5"}, "price_cents"), ({"price_cents": 1.0}, "price_cents"),
        ({"price_cents": True}, "price_cents"), ({"stock": -1}, "stock"),
        ({"stock": 1_000_001}, "stock"), ({"sku": ""}, "sku"), ({"sku": "S" * 65}, "sku"),
        ({"name": ""}, "name"), ({"name": "n" * 201}, "name"), ({"category": ""}, "category"),
        ({"category": "c" * 101}, "category"), ({"description": "d" * 5001}, "description"),
        ({"attributes": ["a"]}, "attributes"), ({"attributes": "x"}, "attributes"),
        ({"colour": "red"}, "colour"), ({"description": None}, "description"),
    ]
    for change, field in cases:
        body = {"sku": random_sku(), "name": "N", "category": "C", "price_cents": 1, **change}

        response = api.post("/api/products", json=body, headers=admin.headers)

        expect_problem(response, 422, "validation")
        assert field in error_fields(response), change


def test_a_product_without_required_fields_names_them(
    api: httpx.Client, admin: Any, error_fields: Any
) -> None:
    response = api.post("/api/products", json={"name": "Only a name"}, headers=admin.headers)

    assert {"sku", "category", "price_cents"} <= error_fields(response)


def test_the_largest_allowed_values_are_accepted(create_product: Any, random_sku: Any) -> None:
    sku = (random_sku() + "X" * 64)[:64]
    product = create_product(sku=sku, name="n" * 200, category="c" * 100,
                             description="d" * 5000, price_cents=100_000_000, stock=1_000_000)

    assert (product["price_cents"], product["stock"], len(product["sku"])) == (
        100_000_000, 1_000_000, 64)


def test_an_unknown_or_impossible_product_id_is_not_found(
    api: httpx.Client, admin: Any, expect_problem: Any
) -> None:
    for product_id in NEVER_IDS:
        expect_problem(api.get(f"/api/products/{product_id}"), 404, "not-found")
        expect_problem(api.patch(f"/api/products/{product_id}", json={"stock": 1},
                                 headers=admin.headers), 404, "not-found")
        expect_problem(api.delete(f"/api/products/{product_id}", headers=admin.headers),
                       404, "not-found")


def test_patch_changes_the_given_fields_only(
    api: httpx.Client, admin: Any, create_product: Any
) -> None:
    product = create_product(attributes={"size": "S"})
    change = {"name": "Renamed", "price_cents": 4321, "stock": 3, "attributes": {"size": "L"},
              "description": "New words.", "category": "Moved"}

    response = api.patch(f"/api/products/{product['id']}", json=change, headers=admin.headers)

    assert response.status_code == 200
    patched = response.json()
    assert patched == {**product, **change, "updated_at": patched["updated_at"]}
    assert patched["updated_at"] >= product["updated_at"]
    assert api.get(f"/api/products/{product['id']}").json() == patched


def test_an_empty_patch_changes_nothing(api: httpx.Client, admin: Any, create_product: Any) -> None:
    product = create_product()

    response = api.patch(f"/api/products/{product['id']}", json={}, headers=admin.headers)

    assert response.status_code == 200
    unchanged = {k: v for k, v in response.json().items() if k != "updated_at"}
    assert unchanged == {k: v for k, v in product.items() if k != "updated_at"}


def test_patch_refuses_the_sku_nulls_and_bad_values(
    api: httpx.Client, admin: Any, create_product: Any, error_fields: Any
) -> None:
    product = create_product()
    url = f"/api/products/{product['id']}"
    cases = [({"sku": "NEW-SKU"}, "sku"), ({"price_cents": None}, "price_cents"),
             ({"name": None}, "name"), ({"stock": "7"}, "stock"),
             ({"price_cents": 0}, "price_cents"), ({"attributes": None}, "attributes")]

    for change, field in cases:
        assert field in error_fields(api.patch(url, json=change, headers=admin.headers)), change
    assert api.get(url).json() == product


def test_patch_with_a_body_that_is_not_an_object_is_malformed(
    api: httpx.Client, admin: Any, create_product: Any, expect_problem: Any
) -> None:
    product = create_product()

    response = api.patch(f"/api/products/{product['id']}", content=b"[]", headers=admin.headers)

    expect_problem(response, 400, "malformed")


def test_delete_removes_the_product(api: httpx.Client, admin: Any, create_product: Any,
                                   expect_problem: Any) -> None:
    product = create_product()

    response = api.delete(f"/api/products/{product['id']}", headers=admin.headers)

    assert response.status_code == 204
    assert response.content == b""
    expect_problem(api.get(f"/api/products/{product['id']}"), 404, "not-found")
    expect_problem(api.delete(f"/api/products/{product['id']}", headers=admin.headers),
                   404, "not-found")


def test_the_list_is_a_page_of_twenty_by_default(api: httpx.Client, create_product: Any) -> None:
    create_product()

    page = listing(api)

    assert set(page) == {"items", "total", "page", "page_size"}
    assert (page["page"], page["page_size"]) == (1, 20)
    assert 1 <= len(page["items"]) <= 20 and page["total"] >= len(page["items"])
    assert all(set(product) == PRODUCT_FIELDS for product in page["items"])


def test_pages_split_a_category_and_count_its_total(api: httpx.Client, create_product: Any) -> None:
    category = unique("Category ")
    made = sorted(create_product(category=category, name=f"Item {n}")["sku"] for n in range(3))

    first = listing(api, category=category, page_size=2, sort="name")
    second = listing(api, category=category, page_size=2, page=2, sort="name")
    beyond = listing(api, category=category, page_size=2, page=3)

    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert (second["total"], second["page"]) == (3, 2)
    assert sorted(skus(first) + skus(second)) == made
    assert (beyond["items"], beyond["total"]) == ([], 3)


def test_out_of_range_paging_and_prices_are_validation_problems(
    api: httpx.Client, error_fields: Any
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"page_size": 101}, "page_size"), ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"), ({"page": "first"}, "page"),
        ({"min_price_cents": -1}, "min_price_cents"), ({"max_price_cents": -5}, "max_price_cents"),
        ({"sort": "cheapest"}, "sort"), ({"sort": "-newest"}, "sort"),
    ]
    for params, field in cases:
        assert field in error_fields(api.get("/api/products", params=params)), params


def test_a_page_size_of_one_hundred_is_allowed(api: httpx.Client) -> None:
    assert listing(api, page_size=100)["page_size"] == 100


def test_names_sort_by_code_point_with_the_sku_breaking_ties(
    api: httpx.Client, create_product: Any, random_sku: Any
) -> None:
    category = unique("Sorting ")
    low, high = sorted([random_sku(), random_sku()])
    for sku, name in [(high, "apple"), (low, "apple"), (random_sku(), "Banana"),
                      (random_sku(), "cherry"), (random_sku(), "Apple")]:
        create_product(sku=sku, name=name, category=category)

    names = [p["name"] for p in listing(api, category=category)["items"]]
    page = listing(api, category=category, sort="-name")

    assert names == ["Apple", "Banana", "apple", "apple", "cherry"]
    assert skus(listing(api, category=category))[2:4] == [low, high]
    assert [p["name"] for p in page["items"]] == ["cherry", "apple", "apple", "Banana", "Apple"]
    assert skus(page)[1:3] == [low, high]


def test_prices_sort_both_ways_with_the_sku_breaking_ties(
    api: httpx.Client, create_product: Any, random_sku: Any
) -> None:
    category = unique("Prices ")
    a, b, c, d = sorted(random_sku() for _ in range(4))
    for sku, price in [(d, 500), (b, 100), (c, 300), (a, 300)]:
        create_product(sku=sku, price_cents=price, category=category)

    assert skus(listing(api, category=category, sort="price")) == [b, a, c, d]
    assert skus(listing(api, category=category, sort="-price")) == [d, a, c, b]


def test_newest_puts_the_latest_product_first(
    api: httpx.Client, create_product: Any, random_sku: Any
) -> None:
    category = unique("Newest ")
    older, newer = sorted([random_sku(), random_sku()])  # the sku tie-break would say older first
    create_product(sku=older, category=category)
    time.sleep(1.1)  # timestamps are kept to the second
    create_product(sku=newer, category=category)

    assert skus(listing(api, category=category, sort="newest")) == [newer, older]


def test_category_matches_exactly(api: httpx.Client, create_product: Any) -> None:
    category = unique("Exact ")
    product = create_product(category=category)

    assert skus(listing(api, category=category)) == [product["sku"]]
    assert listing(api, category=category.upper())["total"] == 0
    assert listing(api, category=category[:-1])["total"] == 0


def test_price_bounds_are_inclusive(api: httpx.Client, create_product: Any) -> None:
    category = unique("Bounds ")
    by_price = {price: create_product(category=category, price_cents=price)["sku"]
                for price in (100, 200, 300)}

    page = listing(api, category=category, min_price_cents=200, max_price_cents=300, sort="price")
    cheap = listing(api, category=category, max_price_cents=100)
    empty = listing(api, category=category, min_price_cents=300, max_price_cents=200)

    assert skus(page) == [by_price[200], by_price[300]]
    assert skus(cheap) == [by_price[100]]
    assert (empty["items"], empty["total"]) == ([], 0)


def test_q_needs_every_word_in_the_name_or_description(
    api: httpx.Client, create_product: Any
) -> None:
    word, other = unique(), unique()
    in_name = create_product(name=f"Kettle {word.upper()} steel")
    in_description = create_product(description=f"A {word} that boils {other}.")

    assert set(skus(listing(api, q=word))) == {in_name["sku"], in_description["sku"]}
    assert skus(listing(api, q=f"  {other}   {word.title()} ")) == [in_description["sku"]]
    assert listing(api, q=f"{word} {unique()}")["total"] == 0
    assert skus(listing(api, q=word[2:-2])) != []


def test_q_takes_regular_expression_characters_literally(
    api: httpx.Client, create_product: Any
) -> None:
    word = unique()
    literal = create_product(name=f"Gadget {word}(x+y)*")
    create_product(name=f"Gadget {word}xxy")

    assert skus(listing(api, q=f"{word}(x+y)*")) == [literal["sku"]]
    assert listing(api, q=f"{word}.*")["total"] == 0
    assert listing(api, q=f"{word}[xy]")["total"] == 0


def test_categories_list_each_with_its_product_count(
    api: httpx.Client, admin: Any, create_product: Any
) -> None:
    first, second = unique("Cat B "), unique("Cat A ")
    create_product(category=first)
    create_product(category=first)
    lone = create_product(category=second)

    response = api.get("/api/categories")
    counts = {item["name"]: item["product_count"] for item in response.json()["items"]}

    assert response.status_code == 200
    assert (counts[first], counts[second]) == (2, 1)
    names = [item["name"] for item in response.json()["items"]]
    assert names == sorted(names)  # Python compares code points, as the contract sorts
    assert all(count >= 1 for count in counts.values())
    api.delete(f"/api/products/{lone['id']}", headers=admin.headers)
    remaining = [item["name"] for item in api.get("/api/categories").json()["items"]]
    assert second not in remaining
