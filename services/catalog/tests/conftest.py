"""Fixtures for the catalog's tests: a real MongoDB wire server (nx-27017), tokens, apps.

The server starts once per session, on a free port with a temporary data
directory; every test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from catalog.app import create_app
from catalog.config import Settings
from catalog.db import now
from catalog.domain import NewProduct, Product
from catalog.repository import ProductRepository, ReservationRepository
from chassis.settings import MICROSERVICES_TOKEN_AUDIENCE, MICROSERVICES_TOKEN_ISSUER
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pymongo import MongoClient
from pymongo.database import Database

# Each caller of the internal routes has a token of its own.
ORDERS_TOKEN = "test-orders-token"
CART_TOKEN = "test-cart-token"
# Where the web app replaces the products version (the local Redis, a database of its own).
BROKER_URL = "redis://127.0.0.1:6379/12"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    with MongoClient(url, serverSelectionTimeoutMS=500) as client:
        while True:
            try:
                client.admin.command("ping")
                return
            except Exception:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nx-27017 did not start") from None
                time.sleep(0.2)


@pytest.fixture(scope="session")
def mongodb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB wire-protocol server on SQLite, private to this test session."""
    workdir = tmp_path_factory.mktemp("nx-27017")
    port = _free_port()
    command = [str(Path(sys.executable).parent / "nx-27017"), "--data-dir", str(workdir / "data"),
               "--port", str(port), "--log-file", str(workdir / "server.log"),
               "--pid-file", str(workdir / "server.pid")]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"mongodb://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """nx-27017 now and then hangs on SIGTERM while closing connections: then SIGKILL."""
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def mongo_client(mongodb_url: str) -> Iterator[MongoClient[dict[str, Any]]]:
    with MongoClient(mongodb_url, tz_aware=True) as client:
        yield client


@pytest.fixture
def settings(mongodb_url: str) -> Settings:
    return Settings(environment="test", mongodb_url=mongodb_url,
                    mongodb_database=f"test_catalog_{uuid.uuid4().hex[:12]}",
                    jwks_url="http://127.0.0.1:9/unused", orders_caller_token=ORDERS_TOKEN,
                    cart_caller_token=CART_TOKEN, events_redis_url=BROKER_URL,
                    seed_file=None)


@pytest.fixture
def database(settings: Settings,
             mongo_client: MongoClient[dict[str, Any]]) -> Iterator[Database[dict[str, Any]]]:
    """The test's own database, with the indexes `manage init` creates; dropped afterwards."""
    db = mongo_client[settings.mongodb_database]
    ProductRepository(db).ensure_indexes()
    ReservationRepository(db).ensure_indexes()
    yield db
    mongo_client.drop_database(settings.mongodb_database)


@pytest.fixture
def products(database: Database[dict[str, Any]]) -> ProductRepository:
    return ProductRepository(database)


@pytest.fixture
def reservations(database: Database[dict[str, Any]]) -> ReservationRepository:
    return ReservationRepository(database)


@pytest.fixture
def random_sku() -> Callable[[], str]:
    return lambda: f"SKU-{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture
def create_product(products: ProductRepository,
                   random_sku: Callable[[], str]) -> Callable[..., Product]:
    """Store a product straight through the repository; keyword overrides change fields."""
    def create(**overrides: Any) -> Product:
        fields: dict[str, Any] = {"sku": random_sku(), "name": "Mug", "category": "Kitchen",
                                  "price_cents": 1200, "description": "", "stock": 10,
                                  "attributes": {}}
        fields.update(overrides)
        moment = fields.pop("now", None) or now()
        product = NewProduct(**fields).to_product(moment)
        products.add(product)
        return product
    return create


class Auth:
    """Bearer headers signed by a test issuer that the app under test trusts."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def customer(self, subject: str = "user-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(subject=subject, role='customer')}"}

    def admin(self, subject: str = "admin-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(subject=subject, role='admin')}"}


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                       audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=300)


@pytest.fixture
def auth(issuer: TokenIssuer) -> Auth:
    return Auth(issuer)


@pytest.fixture
def internal() -> dict[str, str]:
    """The orders service's headers: it may call the reservation routes."""
    return {"X-Internal-Token": ORDERS_TOKEN}


@pytest.fixture
def from_cart() -> dict[str, str]:
    """The cart service's headers: it may look products up, nothing more."""
    return {"X-Internal-Token": CART_TOKEN}


@pytest.fixture
def app(settings: Settings, database: Database[dict[str, Any]], issuer: TokenIssuer) -> FastAPI:
    return create_app(settings, verifier=issuer.verifier())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client wired to the app in-process, with the app's lifespan running."""
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://catalog.test") as test_client:
        yield test_client
