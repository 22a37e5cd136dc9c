"""GET /api/orders/events at the edge: refused before any stream opens, and never
mistaken for GET /api/orders/{order_id}. (The stream itself: tests/contract.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_without_a_token_it_is_a_401_problem_and_no_service_is_called(
        client: httpx.AsyncClient, shop) -> None:
    response = await client.get("/api/orders/events")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert shop.calls_to("orders") == []


@pytest.mark.parametrize("settings_overrides", [{"sse_max_streams_per_worker": 0}])
async def test_past_the_cap_of_open_streams_it_is_a_503_problem_with_retry_after(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], shop,
        settings_overrides: dict[str, Any]) -> None:
    response = await client.get("/api/orders/events", headers=auth())

    assert response.status_code == 503
    assert response.json()["type"] == "/problems/unavailable"
    assert response.headers["retry-after"] == "5"
    assert shop.calls_to("orders") == []
