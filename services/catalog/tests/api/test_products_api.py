from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from catalog.config import Settings
from catalog.domain import Product
from chassis.product_version import PRODUCTS_VERSION_KEY
from redis import Redis

pytestmark = pytest.mark.anyio
ProductFactory = Callable[..., Product]
NEW_PRODUCT = {"sku": "MUG-1", "name": "Blue mug", "category": "Kitchen", "price_cents": 1200}


async def test_the_product_list_is_a_page_of_rendered_products(
        client: httpx.AsyncClient, create_product: ProductFactory) -> None:
    product = create_product(sku="A", name="Blue mug", attributes={"color": "blue"})
    create_product(sku="B", name="Red mug")
    response = await client.get("/api/products", params={"q": "BLUE", "page_size": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["total"], body["page"], body["page_size"]) == (1, 1, 1)
    assert body["items"] == [{
        "id": product.id, "sku": "A", "name": "Blue mug", "description": "",
        "category": "Kitchen", "price_cents": 1200, "stock": 10,
        "attributes": {"color": "blue"},
        "created_at": product.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": product.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}]


@pytest.mark.parametrize(("params", "field"), [
    ({"sort": "cheapest"}, "sort"), ({"min_price_cents": "-1"}, "min_price_cents"),
    ({"page_size": "101"}, "page_size")])
async def test_a_bad_query_is_a_validation_problem(
        client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/api/products", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/validation"
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_one_product_is_found_by_id_and_a_malformed_id_is_not_found(
        client: httpx.AsyncClient, create_product: ProductFactory) -> None:
    product = create_product()
    assert (await client.get(f"/api/products/{product.id}")).json()["sku"] == product.sku
    for missing in ("not-an-id", "0123456789abcdef01234567"):
        response = await client.get(f"/api/products/{missing}")
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/not-found"


async def test_categories_come_from_the_products(
        client: httpx.AsyncClient, create_product: ProductFactory) -> None:
    create_product(category="Kitchen")
    create_product(category="Garden")
    create_product(category="Kitchen")
    response = await client.get("/api/categories")
    assert response.json() == {"items": [{"name": "Garden", "product_count": 1},
                                         {"name": "Kitchen", "product_count": 2}]}


async def test_creating_a_product_needs_a_token_and_the_admin_role(
        client: httpx.AsyncClient, auth: Any) -> None:
    anonymous = await client.post("/api/products", json=NEW_PRODUCT)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    customer = await client.post("/api/products", json=NEW_PRODUCT, headers=auth.customer())
    assert customer.status_code == 403
    assert customer.json()["type"] == "/problems/forbidden"


async def test_an_admin_creates_a_product_once_per_sku(
        client: httpx.AsyncClient, auth: Any) -> None:
    created = await client.post("/api/products", json=NEW_PRODUCT, headers=auth.admin())
    assert created.status_code == 201
    assert created.json() | {"id": "", "created_at": "", "updated_at": ""} == {
        **NEW_PRODUCT, "description": "", "stock": 0, "attributes": {}, "id": "",
        "created_at": "", "updated_at": ""}
    again = await client.post("/api/products", json=NEW_PRODUCT, headers=auth.admin())
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"


@pytest.mark.parametrize(("content", "status"), [
    (b"not json", 400), (b"[1, 2]", 400), (b'{"sku": "A", "name": "M", "category": "K", '
                                           b'"price_cents": "5"}', 422)])
async def test_a_bad_body_is_malformed_or_invalid(
        client: httpx.AsyncClient, auth: Any, content: bytes, status: int) -> None:
    response = await client.post("/api/products", content=content, headers=auth.admin())
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_patch_changes_some_fields_but_never_the_sku(
        client: httpx.AsyncClient, auth: Any, create_product: ProductFactory) -> None:
    product = create_product(name="Old")
    url = f"/api/products/{product.id}"
    changed = await client.patch(url, json={"name": "New", "stock": 0}, headers=auth.admin())
    assert (changed.status_code, changed.json()["name"], changed.json()["stock"]) == (200, "New", 0)
    refused = await client.patch(url, json={"sku": "OTHER"}, headers=auth.admin())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "sku"
    unchanged = await client.patch(url, json={}, headers=auth.admin())
    assert unchanged.json() == changed.json()


async def test_a_deleted_product_is_gone(
        client: httpx.AsyncClient, auth: Any, create_product: ProductFactory) -> None:
    product = create_product()
    response = await client.delete(f"/api/products/{product.id}", headers=auth.admin())
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(f"/api/products/{product.id}")).status_code == 404
    again = await client.delete(f"/api/products/{product.id}", headers=auth.admin())
    assert again.status_code == 404


async def test_a_change_or_a_delete_replaces_the_products_version_before_its_answer(
        client: httpx.AsyncClient, auth: Any, create_product: ProductFactory,
        settings: Settings) -> None:
    product = create_product()
    url = f"/api/products/{product.id}"
    with Redis.from_url(settings.events_redis_url) as broker:
        seen = [broker.get(PRODUCTS_VERSION_KEY)]
        for method, body in (("PATCH", {"price_cents": 1}), ("PATCH", {}), ("DELETE", None),
                             ("DELETE", None)):
            await client.request(method, url, json=body, headers=auth.admin())
            seen.append(broker.get(PRODUCTS_VERSION_KEY))
    # A change and a delete each leave a new version; an empty patch and a 404 none.
    assert seen[1] != seen[0] and seen[2] == seen[1]
    assert seen[3] != seen[2] and seen[4] == seen[3]


async def test_a_page_or_price_past_any_storable_integer_is_just_an_empty_page(
        client: httpx.AsyncClient, create_product: ProductFactory) -> None:
    create_product()
    far = await client.get("/api/products", params={"page": str(10**25)})
    assert (far.status_code, far.json()["items"], far.json()["total"]) == (200, [], 1)
    dear = await client.get("/api/products", params={"min_price_cents": str(10**25)})
    assert (dear.status_code, dear.json()["total"]) == (200, 0)


async def test_text_with_a_nul_character_is_refused(
        client: httpx.AsyncClient, auth: Any) -> None:
    query = await client.get("/api/products", params={"q": "a\x00b"})
    assert [error["field"] for error in query.json()["errors"]] == ["q"]
    body = await client.post("/api/products", json={**NEW_PRODUCT, "name": "M\x00g"},
                             headers=auth.admin())
    assert [error["field"] for error in body.json()["errors"]] == ["name"]


@pytest.mark.parametrize("attributes", [
    {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {}}}}}}}}}}},
    {"k\x00": 1}, {"k": ["\x00"]}, {"n": 2**63},
])
async def test_attributes_past_the_bounds_are_refused_and_nothing_is_stored(
        client: httpx.AsyncClient, auth: Any, attributes: dict[str, Any]) -> None:
    body = {**NEW_PRODUCT, "sku": "BOUNDS", "attributes": attributes}
    response = await client.post("/api/products", json=body, headers=auth.admin())
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["attributes"]
    listed = await client.get("/api/products", params={"q": "BOUNDS"})
    assert listed.json()["total"] == 0


async def test_a_search_past_its_bound_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/products", params={"q": " ".join(["w"] * 11)})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["q"]
