"""What only the gateway offers: rate limits and XML. Deselected for other targets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.gateway_only

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# Provoking a 429 takes RateLimit-Limit requests; past this the target is set up wrongly.
MOST_REQUESTS_TO_PROVOKE = 5000


def elements(root: ET.Element, name: str) -> list[ET.Element]:
    """Elements named ``name`` in any namespace (problems use RFC 9457's ``urn:ietf:rfc:7807``)."""
    return [element for element in root.iter() if element.tag.rsplit("}", 1)[-1] == name]


def text_of(root: ET.Element, name: str) -> str | None:
    return elements(root, name)[0].text


def rate_headers(response: httpx.Response) -> tuple[int, int, int]:
    limit, remaining, reset = (int(response.headers[name]) for name in RATE_HEADERS)
    return limit, remaining, reset


def test_every_api_response_carries_rate_limit_headers(
    api: httpx.Client, customer: Any
) -> None:
    responses = [api.get("/api/products"), api.get("/api/users/me", headers=customer.headers),
                 api.get("/api/nowhere"), api.get("/api/cart")]

    for response in responses:
        limit, remaining, reset = rate_headers(response)
        assert limit > 0 and 0 <= remaining <= limit and reset >= 0


def test_the_remaining_allowance_counts_down_per_client(
    api: httpx.Client, new_customer: Any
) -> None:
    mine, theirs = new_customer(), new_customer()

    def countdown() -> list[int]:
        return [rate_headers(api.get("/api/cart", headers=mine.headers))[1] for _ in range(3)]

    seen = countdown()
    if not seen[0] > seen[1] > seen[2]:
        seen = countdown()  # a new window began on the way; one more look
    limit, first_of_theirs, _ = rate_headers(api.get("/api/cart", headers=theirs.headers))

    assert seen[0] - 1 == seen[1] == seen[2] + 1
    assert first_of_theirs == limit - 1


def test_over_the_limit_is_a_rate_limited_problem_with_retry_after(
    shop: Any, new_customer: Any, expect_problem: Any
) -> None:
    client_account = new_customer()
    with httpx.Client(base_url=shop.base_url, timeout=10.0, headers=client_account.headers) as c:
        limit = rate_headers(c.get("/api/cart"))[0]
        assert limit <= MOST_REQUESTS_TO_PROVOKE, (
            "set RATE_LIMIT_PER_MINUTE low enough for the contract run to provoke a 429")
        response = c.get("/api/cart")
        for _ in range(2 * limit + 2):  # a new window may begin once on the way
            if response.status_code == 429:
                break
            response = c.get("/api/cart")

    expect_problem(response, 429, "rate-limited")
    assert int(response.headers["Retry-After"]) >= 0
    assert rate_headers(response)[1] == 0


def test_xml_is_offered_for_a_resource(api: httpx.Client, create_product: Any) -> None:
    product = create_product(name="Tea & <Biscuits>", attributes={"tins": 2})

    response = api.get(f"/api/products/{product['id']}", headers={"Accept": "application/xml"})

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert text_of(root, "sku") == product["sku"]
    assert text_of(root, "name") == "Tea & <Biscuits>"
    assert text_of(root, "price_cents") == str(product["price_cents"])


def test_xml_lists_are_repeated_item_elements(api: httpx.Client, create_product: Any) -> None:
    create_product()

    response = api.get("/api/categories", headers={"Accept": "application/xml"})

    items = elements(ET.fromstring(response.content), "items")[0]
    assert len(items) >= 1
    assert {child.tag.rsplit("}", 1)[-1] for child in items} == {"item"}
    assert all(elements(child, "name") for child in items)


def test_xml_problems_are_problem_xml(api: httpx.Client) -> None:
    response = api.get("/api/products/no-such-id", headers={"Accept": "application/xml"})

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+xml")
    root = ET.fromstring(response.content)
    assert text_of(root, "type") == "/problems/not-found"
    assert text_of(root, "status") == "404"


def test_json_stays_the_default(api: httpx.Client) -> None:
    for accept in ("application/json", "*/*", "application/json, application/xml;q=0.5"):
        response = api.get("/api/categories", headers={"Accept": accept})

        assert response.headers["Content-Type"].startswith("application/json"), accept
