"""A client that asks for XML gets the same resource, problems included, as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_a_product_comes_as_xml_when_the_client_prefers_it(
        client: httpx.AsyncClient, shop) -> None:
    shop.add_product("p-1", "SKU<&>", 1299)

    response = await client.get("/api/products/p-1", headers={"Accept": "application/xml"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == "response"
    assert root.findtext("sku") == "SKU<&>"
    assert root.findtext("price_cents") == "1299"
    assert int(response.headers["content-length"]) == len(response.content)


async def test_a_problem_comes_as_problem_xml(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/orders", headers={"Accept": "application/xml"})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+xml"
    assert response.headers["www-authenticate"] == "Bearer"
    root = ET.fromstring(response.content)
    assert root.tag == "{urn:ietf:rfc:7807}problem"
    assert root.findtext("{urn:ietf:rfc:7807}type") == "/problems/unauthorized"


async def test_json_stays_json_when_it_is_preferred_or_nothing_is_said(
        client: httpx.AsyncClient, shop) -> None:
    shop.add_product("p-1", "SKU-1", 1)
    for accept in ("application/json, application/xml;q=0.5", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        response = await client.get("/api/products/p-1", headers=headers)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["sku"] == "SKU-1"


async def test_a_list_renders_as_repeated_item_elements(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/jwks.json",
                                headers={"Accept": "application/xml"})

    root = ET.fromstring(response.content)
    assert root.find("headers") is not None
    assert root.findtext("method") == "GET"


async def test_non_json_answers_are_left_alone(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers={"Accept": "application/xml"})

    assert response.headers["content-type"].startswith("text/plain")
