"""Fixtures for the cart's tests: Redis database 11 (keys cleaned up), a private
``redis-server`` as the event broker where a test asks for one, tokens, the app.

Every user id a test uses starts with ``cart-test-`` so that the clean-up
deletes only what the tests made.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cart.app import create_app
from cart.config import Settings
from cart.db import Database, connect
from cart.repository import CartRepository
from chassis.settings import MICROSERVICES_TOKEN_AUDIENCE, MICROSERVICES_TOKEN_ISSUER
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from redis import Redis as SyncRedis
from redis.asyncio import Redis

REDIS_URL = "redis://127.0.0.1:6379/11"
# The token of the one caller of its internal routes, the orders service.
ORDERS_TOKEN = "test-orders-token"
# What the cart presents to the catalog's lookup.
CATALOG_TOKEN = "test-cart-catalog-token"
TEST_USER_PREFIX = "cart-test-"


@pytest.fixture
def broker_url(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            with SyncRedis.from_url(url, socket_timeout=0.5) as client:
                client.ping()
            break
        except Exception:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url
    server.kill()
    server.wait(timeout=10)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test", redis_url=REDIS_URL, cart_ttl_seconds=600,
                    jwks_url="http://127.0.0.1:9/unused", orders_caller_token=ORDERS_TOKEN,
                    catalog_token=CATALOG_TOKEN,
                    events_redis_url=None)  # the consumer's own tests give it a broker


@pytest.fixture
def new_user_id() -> Callable[[], str]:
    return lambda: f"{TEST_USER_PREFIX}{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = connect(settings.redis_url, timeout_seconds=2)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"cart:{TEST_USER_PREFIX}*")]
        if keys:
            await client.delete(*keys)
        async for index in client.scan_iter(match="cart-product:*"):
            members = [m for m in await client.zrange(index, 0, -1)
                       if m.startswith(TEST_USER_PREFIX)]
            if members:
                await client.zrem(index, *members)
        await client.aclose()


@pytest.fixture
def db(redis: Redis, settings: Settings) -> Database:
    return Database(redis=redis, ttl_seconds=settings.cart_ttl_seconds)


@pytest.fixture
def carts(db: Database) -> CartRepository:
    return CartRepository(db)


class Auth:
    """Bearer headers signed by a test issuer that the app under test trusts."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def customer(self, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(subject=subject, role='customer')}"}


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                       audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=300)


@pytest.fixture
def auth(issuer: TokenIssuer) -> Auth:
    return Auth(issuer)


@pytest.fixture
def internal() -> dict[str, str]:
    return {"X-Internal-Token": ORDERS_TOKEN}


class FakeCatalog:
    """The catalog's lookup: every product exists but those whose id starts with
    ``unknown`` or that were ``deleted``, each priced from its id; ``down`` makes it refuse
    connections, ``status`` answer that status instead."""

    def __init__(self) -> None:
        self.lookups: list[list[str]] = []
        self.deleted: set[str] = set()
        self.prices: dict[str, int] = {}
        self.down = False
        self.status = 200

    @staticmethod
    def product(product_id: str, price_cents: int = 100) -> dict[str, Any]:
        return {"id": product_id, "sku": f"SKU-{product_id}", "name": f"Name {product_id}",
                "price_cents": price_cents, "stock": 5}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        assert (request.method, request.url.path) == ("POST", "/internal/products/lookup")
        assert request.headers["x-internal-token"] == CATALOG_TOKEN
        ids = json.loads(request.content)["ids"]
        self.lookups.append(ids)
        if self.status != 200:
            return httpx.Response(self.status, json={"type": "/problems/internal"})
        return httpx.Response(200, json={"items": [
            self.product(i, self.prices.get(i, 100)) for i in ids
            if not i.startswith("unknown") and i not in self.deleted]})


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()


@pytest.fixture
def app(settings: Settings, issuer: TokenIssuer, catalog: FakeCatalog) -> FastAPI:
    return create_app(settings, verifier=issuer.verifier(),
                      catalog_transport=httpx.MockTransport(catalog.handle))


@pytest.fixture
async def client(app: FastAPI, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client wired to the app in-process, with the app's lifespan running."""
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://cart.test") as test_client:
        yield test_client
