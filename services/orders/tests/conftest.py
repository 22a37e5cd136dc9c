"""Fixtures of the orders service's tests.

The saga's three downstreams are one in-memory fake (:class:`FakeShop`) behind an
``httpx.MockTransport``: it keeps carts, products, stock, reservations and
charges, and can be told to refuse connections, time out or answer 500.
The service's own store is real: SQLite per test, PostgreSQL for the
repository tests.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from chassis.settings import (
    MICROSERVICES_TOKEN_AUDIENCE,
    MICROSERVICES_TOKEN_ISSUER,
)
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from orders.app import create_app
from orders.config import Settings
from orders.db import Database
from orders.manage import migrate
from orders.models import IdempotencyKeyRow, OrderLineRow, OrderRow
from orders.saga import Saga
from sqlalchemy import delete
from sqlalchemy.orm import Session

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_TEST_DATABASE = "test_orders_svc"
DECLINED_CARD = "4000000000000002"
# The token orders presents to each service: one per edge.
TOKENS = {"catalog": "test-orders-catalog-token", "cart": "test-orders-cart-token",
          "payments": "test-orders-payments-token"}

Handler = Callable[[httpx.Request, dict[str, str]], httpx.Response]


def problem(status: int, slug: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(
        {"type": f"/problems/{slug}", "title": slug, "status": status, "detail": slug,
         **extra}).encode(), headers={"content-type": "application/problem+json"})


class FakeShop:
    """Catalog, cart and payments in memory, as docs/microservices.md describes them."""

    def __init__(self) -> None:
        self.products: dict[str, dict[str, Any]] = {}
        self.stock: dict[str, int] = {}
        self.carts: dict[str, dict[str, int]] = {}
        self.reservations: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.down: set[str] = set()        # services refusing connections
        self.broken: set[str] = set()      # "METHOD /path-prefix" answering 500
        self.refused: set[str] = set()     # "METHOD /path-prefix" refusing connections
        self.lose_charge_answer = False    # the charge happens, its answer times out
        self.calls: list[str] = []
        self.routes: list[tuple[str, str, re.Pattern[str], Handler]] = [
            ("cart", "GET", re.compile(r"/internal/carts/(?P<user>[^/]+)"), self._get_cart),
            ("cart", "DELETE", re.compile(r"/internal/carts/(?P<user>[^/]+)"), self._clear_cart),
            ("cart", "POST", re.compile(r"/internal/carts/(?P<user>[^/]+)/take-out"),
             self._take_out),
            ("catalog", "PUT", re.compile(r"/internal/reservations/(?P<order>[^/]+)"),
             self._reserve),
            ("catalog", "POST", re.compile(r"/internal/reservations/(?P<order>[^/]+)/release"),
             self._release),
            ("catalog", "POST", re.compile(r"/internal/reservations/(?P<order>[^/]+)/commit"),
             self._commit),
            ("payments", "POST", re.compile(r"/internal/charges"), self._charge),
            ("payments", "GET", re.compile(r"/internal/charges/(?P<order>[^/]+)"),
             self._get_charge),
            ("payments", "POST", re.compile(r"/internal/charges/(?P<order>[^/]+)/refund"),
             self._refund),
        ]

    # -- arranging -------------------------------------------------------------------
    def add_product(self, *, stock: int = 10, price_cents: int = 1000, **fields: Any) -> str:
        product_id = fields.pop("id", uuid.uuid4().hex[:24])
        sku = fields.pop("sku", f"SKU-{product_id[:6]}")
        self.products[product_id] = {"id": product_id, "sku": sku, "name": f"Product {sku}",
                                     "price_cents": price_cents, **fields}
        self.stock[product_id] = stock
        return product_id

    def put_in_cart(self, user_id: str, product_id: str, quantity: int = 1) -> None:
        self.carts.setdefault(user_id, {})[product_id] = quantity

    def handle(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host.split(".")[0]
        call = f"{request.method} {request.url.path}"
        self.calls.append(call)
        if service in self.down or any(call.startswith(p) for p in self.refused):
            raise httpx.ConnectError("connection refused", request=request)
        if any(call.startswith(prefix) for prefix in self.broken):
            return httpx.Response(500, json={"type": "/problems/internal"})
        assert request.headers["X-Internal-Token"] == TOKENS[service]
        for name, method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.url.path)
            if name == service and method == request.method and match:
                response = handler(request, match.groupdict())
                if self.lose_charge_answer and handler == self._charge:
                    raise httpx.ReadTimeout("timed out", request=request)
                return response
        return problem(404, "not-found")

    # -- cart ------------------------------------------------------------------------
    def _get_cart(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        """The cart priced at the catalog, deleted products left out; its own 503 when
        the catalog cannot price it."""
        if "catalog" in self.down:
            return problem(503, "unavailable")
        lines = self.carts.get(path["user"], {})
        items = sorted(({"product_id": p, "sku": self.products[p]["sku"],
                         "name": self.products[p]["name"],
                         "unit_price_cents": self.products[p]["price_cents"], "quantity": q,
                         "line_total_cents": self.products[p]["price_cents"] * q}
                        for p, q in lines.items() if p in self.products),
                       key=lambda item: item["sku"])
        return httpx.Response(200, json={
            "items": items, "item_count": sum(item["quantity"] for item in items),
            "total_cents": sum(item["line_total_cents"] for item in items)})

    def _clear_cart(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        self.carts.pop(path["user"], None)
        return httpx.Response(204)

    def _take_out(self, request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        lines = self.carts.get(path["user"], {})
        for item in json.loads(request.content)["items"]:
            if item["product_id"] in lines:
                lines[item["product_id"]] -= item["quantity"]
                if lines[item["product_id"]] <= 0:
                    del lines[item["product_id"]]
        if not lines:
            self.carts.pop(path["user"], None)
        return self._get_cart(request, path)

    # -- catalog ---------------------------------------------------------------------
    def _reserve(self, request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        order_id = path["order"]
        existing = self.reservations.get(order_id)
        if existing is not None:
            if existing["status"] == "released":
                return problem(409, "conflict")
            return httpx.Response(200, json={"order_id": order_id, "status": "reserved"})
        lines = json.loads(request.content)["lines"]
        short = [{"product_id": line["product_id"], "requested": line["quantity"],
                  "available": self.stock.get(line["product_id"], 0)}
                 for line in lines if self.stock.get(line["product_id"], 0) < line["quantity"]]
        if short:
            return problem(409, "out-of-stock", items=short)
        for line in lines:
            self.stock[line["product_id"]] -= line["quantity"]
        self.reservations[order_id] = {"status": "reserved", "lines": lines}
        return httpx.Response(200, json={"order_id": order_id, "status": "reserved"})

    def _release(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        reservation = self.reservations.setdefault(path["order"],
                                                   {"status": "released", "lines": []})
        if reservation["status"] in ("reserved", "committed"):
            for line in reservation["lines"]:
                self.stock[line["product_id"]] += line["quantity"]
        reservation["status"] = "released"
        return httpx.Response(200, json={"order_id": path["order"], "status": "released"})

    def _commit(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        reservation = self.reservations.get(path["order"])
        if reservation is None:
            return problem(404, "not-found")
        if reservation["status"] == "reserved":
            reservation["status"] = "committed"
        return httpx.Response(200, json={"order_id": path["order"],
                                         "status": reservation["status"]})

    # -- payments --------------------------------------------------------------------
    def _charge(self, request: httpx.Request, _path: dict[str, str]) -> httpx.Response:
        body = json.loads(request.content)
        if body["order_id"] in self.charges:
            return httpx.Response(200, json=self.charges[body["order_id"]])
        status = "declined" if body["card_number"] == DECLINED_CARD else "captured"
        self.charges[body["order_id"]] = {"order_id": body["order_id"], "status": status,
                                          "card_last4": body["card_number"][-4:],
                                          "amount_cents": body["amount_cents"]}
        return httpx.Response(201, json=self.charges[body["order_id"]])

    def _get_charge(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        charge = self.charges.get(path["order"])
        return httpx.Response(200, json=charge) if charge else problem(404, "not-found")

    def _refund(self, _request: httpx.Request, path: dict[str, str]) -> httpx.Response:
        charge = self.charges.get(path["order"])
        if charge is None or charge["status"] not in ("captured", "refunded"):
            return problem(409, "conflict")
        charge["status"] = "refunded"
        return httpx.Response(200, json=charge)


def fresh_postgres_database(name: str) -> str:
    """Create the test database afresh (no schema left by another checkout's migrations);
    its URL."""
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_SERVER}/{name}"


def empty(db: Database) -> None:
    with db.uow(write=True) as uow:
        for table in (IdempotencyKeyRow, OrderLineRow, OrderRow):
            uow.session.execute(delete(table))
        uow.commit()


@pytest.fixture
def fake() -> FakeShop:
    return FakeShop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, database_url=None,
                    catalog_url="http://catalog.test", cart_url="http://cart.test",
                    payments_url="http://payments.test",
                    jwks_url="http://users.test/.well-known/jwks.json",
                    catalog_token=TOKENS["catalog"], cart_token=TOKENS["cart"],
                    payments_token=TOKENS["payments"],
                    upstream_timeout_seconds=0.5, reconcile_interval_seconds=0)


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                       audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=600)


@pytest.fixture
def app(settings: Settings, fake: FakeShop, issuer: TokenIssuer) -> Iterator[Flask]:
    migrate(settings.sqlalchemy_url)
    app = create_app(settings, transport=httpx.MockTransport(fake.handle),
                     verifier=issuer.verifier())
    yield app
    app.extensions["orders"].saga.db.dispose()


@pytest.fixture
def saga(app: Flask) -> Saga:
    found: Saga = app.extensions["orders"].saga
    return found


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def user_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def auth(issuer: TokenIssuer, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.issue(subject=user_id, role='customer')}"}


@pytest.fixture
def create_product(fake: FakeShop) -> Callable[..., str]:
    return fake.add_product


@pytest.fixture
def checkout_body() -> Callable[..., dict[str, Any]]:
    def build(card_number: str = "4242424242424242", **payment: Any) -> dict[str, Any]:
        return {"payment": {"card_number": card_number, "exp_month": 12,
                            "exp_year": date.today().year + 2, "cvc": "123", **payment},
                "shipping_address": {"name": "Ada Lovelace", "line1": "1 Analytical Way",
                                     "city": "London", "postal_code": "N1 9GU",
                                     "country": "GB"}}
    return build


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = Settings(database_url=fresh_postgres_database(POSTGRES_TEST_DATABASE)).sqlalchemy_url
    migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of each kind, emptied after the test."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'orders.db'}"
        migrate(url)
    db = Database.from_url(url)
    empty(db)
    yield db
    empty(db)
    db.dispose()


@pytest.fixture
def db_session(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        yield session
        session.close()
        transaction.rollback()
