"""The gateway serves the storefront's folder (STOREFRONT_DIR) at / and /assets/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>test shop</title>")
    (tmp_path / "assets" / "app.js").write_text("export const shop = 1;")
    return {"storefront_dir": tmp_path}


async def test_the_page_comes_from_the_configured_folder_with_the_policy(
        client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert "test shop" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-served-by"] == "gateway"


async def test_an_asset_is_served_with_its_type_and_a_missing_one_is_a_problem(
        client: httpx.AsyncClient) -> None:
    script = await client.get("/assets/app.js")
    missing = await client.get("/assets/nothing.js")

    assert script.headers["content-type"].startswith("text/javascript")
    assert script.text == "export const shop = 1;"
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
