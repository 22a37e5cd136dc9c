"""The contract document is served as JSON, and /docs lists its paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

CONTRACT = """\
openapi: 3.1.0
info: {title: "shopstack <API>", version: "1"}
paths:
  /api/products:
    get: {summary: List products}
    post: {summary: Create a product}
  /api/cart: {get: {summary: "The cart & its total"}}
"""


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "openapi.yaml"
    path.write_text(CONTRACT)
    return {"openapi_path": path}


async def test_openapi_json_is_the_yaml_document_as_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "shopstack <API>"
    assert set(response.json()["paths"]) == {"/api/products", "/api/cart"}


async def test_docs_is_a_plain_page_listing_every_operation(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<code>POST</code></td><td><code>/api/products</code>" in page
    assert "The cart &amp; its total" in page and "shopstack &lt;API&gt;" in page
    assert "<script" not in page
