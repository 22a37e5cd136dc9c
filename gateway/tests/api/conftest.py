"""The gateway through httpx.ASGITransport, with the services it fronts faked by
httpx.MockTransport (one per service, sharing the state of a small fake shop)
and its own store, Redis, real (db 12, cleaned after each test)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
from chassis.settings import (
    MICROSERVICES_TOKEN_AUDIENCE,
    MICROSERVICES_TOKEN_ISSUER,
)
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from gateway.app import create_app
from gateway.catalog_cache import CHANGES_KEY, ENTRY_PREFIX, GENERATION_PREFIX, LISTINGS_KEY
from gateway.config import Settings
from gateway.ratelimit import KEY_PREFIX
from redis import Redis

from gateway import listing_cache

TEST_REDIS_URL = "redis://127.0.0.1:6379/12"
SERVICES = ("users", "catalog", "cart", "orders", "jwks")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/json", **(headers or {})})


def _not_found() -> httpx.Response:
    body = {"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "no"}
    return httpx.Response(404, content=json.dumps(body).encode(),
                          headers={"content-type": "application/problem+json"})


def echo(request: httpx.Request, status: int = 200) -> httpx.Response:
    """What the service received, for the proxying tests, with headers it should not leak."""
    body = {"method": request.method, "path": request.url.raw_path.decode(),
            "body": request.content.decode(), "headers": dict(request.headers)}
    return _json(status, body, {"idempotent-replayed": "true", "retry-after": "7",
                                "set-cookie": "session=leak", "x-internal-detail": "leak",
                                "keep-alive": "timeout=5", "proxy-authenticate": "Basic"})


class FakeShop:
    """The state behind the fake services and every request they received."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer
        self.products: dict[str, dict[str, Any]] = {}
        self.carts: dict[str, dict[str, int]] = {}
        self.calls: list[tuple[str, httpx.Request]] = []
        self.down: set[str] = set()
        self.slow: dict[str, float] = {}

    def calls_to(self, name: str) -> list[httpx.Request]:
        return [request for service, request in self.calls if service == name]

    def add_product(self, product_id: str, sku: str, price_cents: int) -> None:
        self.products[product_id] = {"id": product_id, "sku": sku, "name": f"Name of {sku}",
                                     "price_cents": price_cents, "stock": 5}

    def transport(self, name: str) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            self.calls.append((name, request))
            if name in self.down:
                raise httpx.ConnectError("connection refused", request=request)
            if name in self.slow:
                await asyncio.sleep(self.slow[name])
            return getattr(self, f"_{name}")(request)
        return httpx.MockTransport(handle)

    def _jwks(self, request: httpx.Request) -> httpx.Response:
        return _json(200, self.issuer.jwks())

    def _users(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/healthz":
            return _json(200, {"status": "ok"})
        return echo(request)

    def _orders(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/healthz":
            return _json(200, {"status": "ok"})
        return echo(request, 201 if request.method == "POST" else 200)

    def _catalog(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/api/products/") and request.method == "GET":
            product = self.products.get(path.rsplit("/", 1)[1])
            return _json(200, product) if product else _not_found()
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        return echo(request)

    def _cart(self, request: httpx.Request) -> httpx.Response:
        """The cart service: it refuses an unknown product and answers the priced cart."""
        if request.url.path == "/healthz":
            return _json(200, {"status": "ok"})
        token = request.headers["authorization"].split(" ", 1)[1]
        subject = jwt.decode(token, options={"verify_signature": False})["sub"]
        cart = self.carts.setdefault(subject, {})
        product_id = request.url.path.rsplit("/", 1)[1]
        if request.method == "PUT":
            if product_id not in self.products:  # the real cart asks the catalog
                return _not_found()
            cart[product_id] = json.loads(request.content)["quantity"]
        elif request.method == "DELETE" and request.url.path == "/api/cart":
            cart.clear()
            return httpx.Response(204)
        elif request.method == "DELETE":
            cart.pop(product_id, None)
        items = sorted(({"product_id": p, "sku": self.products[p]["sku"],
                         "name": self.products[p]["name"],
                         "unit_price_cents": self.products[p]["price_cents"], "quantity": q,
                         "line_total_cents": self.products[p]["price_cents"] * q}
                        for p, q in cart.items() if p in self.products),
                       key=lambda item: item["sku"])
        return _json(200, {"items": items, "item_count": sum(i["quantity"] for i in items),
                           "total_cents": sum(i["line_total_cents"] for i in items)})


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                       audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=600)


@pytest.fixture
def shop(issuer: TokenIssuer) -> FakeShop:
    return FakeShop(issuer)


@pytest.fixture
def auth(issuer: TokenIssuer) -> Callable[..., dict[str, str]]:
    """``auth(sub="u1", role="customer")``: the Authorization header of a good token."""
    def headers(sub: str = "user-1", role: str = "customer") -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(subject=sub, role=role)}"}
    return headers


@pytest.fixture
def redis_db() -> Iterator[Redis]:
    client = Redis.from_url(TEST_REDIS_URL)
    yield client
    keys = [key for prefix in (KEY_PREFIX, ENTRY_PREFIX, GENERATION_PREFIX,
                               listing_cache.ENTRY_PREFIX, listing_cache.INDEX_KEY,
                               CHANGES_KEY, LISTINGS_KEY)
            for key in client.scan_iter(f"{prefix}*")]
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override settings by overriding this fixture or by parametrising it."""
    return {}


@pytest.fixture
def settings(settings_overrides: dict[str, Any], redis_db: Redis) -> Settings:
    base: dict[str, Any] = {
        "environment": "test", "redis_url": TEST_REDIS_URL, "users_url": "http://users",
        "catalog_url": "http://catalog", "cart_url": "http://cart",
        "orders_url": "http://orders", "jwks_url": "http://users/.well-known/jwks.json",
        "rate_limit_per_minute": 0, "upstream_timeout_seconds": 0.5,
    }
    return Settings(**{**base, **settings_overrides})


@pytest.fixture
def app(settings: Settings, shop: FakeShop) -> FastAPI:
    return create_app(settings, transports={name: shop.transport(name) for name in SERVICES})


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client
