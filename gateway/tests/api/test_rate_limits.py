"""Rate limits per client, shared in Redis, announced on every answer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.anyio

LIMITED = {"rate_limit_per_minute": 3}


@pytest.mark.parametrize("settings_overrides", [LIMITED])
async def test_every_answer_carries_the_limit_and_what_is_left(
        client: httpx.AsyncClient) -> None:
    answers = [await client.get("/api/products") for _ in range(3)]

    assert [a.headers["ratelimit-limit"] for a in answers] == ["3", "3", "3"]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    assert all(1 <= int(a.headers["ratelimit-reset"]) <= 60 for a in answers)


@pytest.mark.parametrize("settings_overrides", [LIMITED])
async def test_over_the_limit_is_a_429_problem_with_retry_after_and_no_upstream_call(
        client: httpx.AsyncClient, shop) -> None:
    for _ in range(3):
        await client.get("/api/products")

    response = await client.get("/api/products")

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/rate-limited"
    assert response.headers["retry-after"] == response.headers["ratelimit-reset"]
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["x-served-by"] == "gateway"
    assert len(shop.calls_to("catalog")) == 3


@pytest.mark.parametrize("settings_overrides", [LIMITED])
async def test_a_signed_in_user_is_counted_apart_from_their_address(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    for _ in range(3):
        await client.get("/api/products")

    signed_in = await client.get("/api/products", headers=auth(sub="user-9"))
    other_user = await client.get("/api/products", headers=auth(sub="user-8"))

    assert signed_in.status_code == other_user.status_code == 200
    assert signed_in.headers["ratelimit-remaining"] == "2"


@pytest.mark.parametrize("settings_overrides", [LIMITED])
async def test_health_routes_are_not_limited(client: httpx.AsyncClient) -> None:
    answers = [await client.get("/healthz") for _ in range(5)]

    assert {a.status_code for a in answers} == {200}
    assert "ratelimit-limit" not in answers[-1].headers


@pytest.mark.parametrize("settings_overrides", [{**LIMITED, "redis_url": "redis://127.0.0.1:1/0"}])
async def test_without_redis_requests_go_through(client: httpx.AsyncClient) -> None:
    answers = [await client.get("/api/products") for _ in range(5)]

    assert {a.status_code for a in answers} == {200}
    assert answers[0].headers["ratelimit-limit"] == "3"


async def test_a_limit_of_zero_turns_limiting_off(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/products")

    assert response.status_code == 200
    assert "ratelimit-limit" not in response.headers


@pytest.mark.parametrize("settings_overrides", [LIMITED])
async def test_every_refusal_is_counted_by_kind_of_client(client: httpx.AsyncClient) -> None:
    def refused() -> float:
        return REGISTRY.get_sample_value("gateway_rate_limited_requests_total",
                                         {"client_kind": "addr"}) or 0.0

    before = refused()
    answers = [await client.get("/api/products") for _ in range(5)]

    assert [a.status_code for a in answers].count(429) == 2
    assert refused() == before + 2
