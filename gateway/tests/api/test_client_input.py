"""What a client sends never counts against a service: the breakers stay closed.

The fake services refuse header values the way the real outbound client does
(h11 raises a local protocol error for whitespace around a value, and for
anything it cannot send), so these tests fail the way the shop did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gateway.app import create_app

SERVICES = ("users", "catalog", "cart", "orders", "jwks")
FakeShop = Any  # the conftest's fake services
pytestmark = pytest.mark.anyio

BREAKER = {"upstream_retries": 2, "breaker_failures": 3, "breaker_reset_seconds": 30}
ODD_VALUES = [b"Bearer x ", b" Bearer x", b"Bearer x\t", b"Bearer \xe9\xff"]


def strict_transport(shop: FakeShop, name: str) -> httpx.MockTransport:
    """The fake service behind a check of every header value, as h11 makes it."""
    inner = shop.transport(name)

    async def handle(request: httpx.Request) -> httpx.Response:
        for _, value in request.headers.raw:
            if value != value.strip(b" \t"):
                raise httpx.LocalProtocolError(f"Illegal header value {value!r}")
        return await inner.handle_async_request(request)

    return httpx.MockTransport(handle)


@pytest.fixture
def app(settings: Any, shop: FakeShop) -> FastAPI:
    return create_app(settings, transports={name: strict_transport(shop, name)
                                            for name in SERVICES})


async def _send(client: httpx.AsyncClient, method: str, path: str,
                authorization: bytes, **kwargs: Any) -> httpx.Response:
    """Bytes values reach the app as they are (httpx checks only str values)."""
    return await client.request(method, path, headers={"authorization": authorization},
                                **kwargs)


@pytest.mark.parametrize("settings_overrides", [BREAKER])
async def test_odd_header_values_never_open_a_breaker(
        client: httpx.AsyncClient, shop: FakeShop, auth: Callable[..., dict[str, str]]) -> None:
    for value in ODD_VALUES * 3:
        products = await _send(client, "GET", "/api/products?page_size=1", value)
        login = await _send(client, "POST", "/api/auth/login", value, json={})
        assert products.status_code < 500 and login.status_code < 500, value

    assert (await client.get("/api/products")).status_code == 200
    assert (await client.post("/api/auth/login", json={})).status_code == 200
    sent = [r.headers["authorization"] for r in shop.calls_to("catalog")
            if "authorization" in r.headers]
    assert "Bearer x" in sent  # passed on without the whitespace around it


@pytest.mark.parametrize("settings_overrides", [BREAKER])
async def test_a_request_the_client_cannot_send_is_a_400_not_retried_nor_counted(
        settings: Any, shop: FakeShop) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        shop.calls.append(("users", request))
        raise httpx.LocalProtocolError("refused")

    transports = {name: shop.transport(name) for name in SERVICES}
    transports["users"] = httpx.MockTransport(refuse)
    app = create_app(settings, transports=transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answers = [await client.post("/api/auth/login", json={}) for _ in range(5)]

    assert {a.status_code for a in answers} == {400}
    assert answers[0].json()["type"] == "/problems/bad-request"
    assert len(shop.calls_to("users")) == 5
    assert app.state.deps.upstreams._clients["users"].breaker_for(
        "POST /api/auth/login").state == "closed"


async def test_a_body_over_the_limit_is_never_forwarded(client: httpx.AsyncClient,
                                                       shop: FakeShop) -> None:
    async def chunks() -> Any:
        for _ in range(40):
            yield b"x" * 64 * 1024  # 2.5 MiB, without a declared length

    for method in ("GET", "POST"):
        response = await client.request(method, "/api/auth/login", content=chunks())
        assert response.status_code == 413
        assert response.json()["type"] == "/problems/content-too-large"
    assert shop.calls_to("users") == []
