"""Fixtures of the failure tests: the real microservices, started with devstack on ports
of their own, and small HTTP helpers that talk to them through the gateway.

Each test module gets one stack (module scope): fresh PostgreSQL databases
``failure_users``, ``failure_orders`` and ``failure_payments``, Redis db 6 flushed
(before and after), nx-27017 on 24017, the gateway on 24080 and the services on
241xx, rate limiting off, and a reconciler that runs every 2 s and settles pending
orders older than 3 s, and an event broker of its own (a Redis on 24379, which a
test may stop). ``FAILURE_STACK_LOG=path`` keeps the processes' output
(otherwise it lives in a temporary folder that goes with the stack).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
import redis
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings
from devstack.stores import embedded_redis
from devstack.targets import fresh_postgres_database

T = TypeVar("T")

# Below the kernel's ephemeral range (32768 and up), so that no outbound connection's
# local port can take one of them between a stop and the next start.
GATEWAY_PORT = 24080
SERVICE_PORTS = {"users": 24101, "catalog": 24102, "cart": 24103, "orders": 24104,
                 "payments": 24105}
MONGODB_PORT = 24017
REDIS_URL = "redis://127.0.0.1:6379/6"
# The event broker is a Redis of the stack's own, so that a test can stop it.
BROKER_PORT = 24379
RECONCILE_INTERVAL_SECONDS = 2
RECONCILE_GRACE_SECONDS = 3
# The gateway's defaults, passed explicitly so that the bounds below follow them.
GATEWAY_TIMEOUT_SECONDS = 2.0
BREAKER_RESET_SECONDS = 10.0
# A 503 must come within the gateway's timeout; this leaves room for a busy machine.
UNAVAILABLE_WITHIN_SECONDS = 3.0
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


@dataclass(frozen=True)
class FailureStack:
    """The running stack, with its processes by name and its databases by service."""

    stack: Stack
    base_url: str
    data_dir: Path
    database_urls: dict[str, str]
    admin_email: str
    admin_password: str
    breaker_reset_seconds: float = BREAKER_RESET_SECONDS
    reconcile_grace_seconds: float = RECONCILE_GRACE_SECONDS
    reconcile_interval_seconds: float = RECONCILE_INTERVAL_SECONDS

    def stop(self, name: str) -> None:
        self.stack.process(name).stop()

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: a gunicorn master and its workers."""
        self.stack.process(name).kill()

    def init(self, name: str) -> None:
        """Run ``name``'s one-shot start-up steps, as the launcher does before starting it."""
        self.stack.process(name).run_init()

    def start(self, name: str) -> None:
        process = self.stack.process(name)
        process.start()
        process.wait_ready(60)

    @contextlib.contextmanager
    def hanging(self, name: str) -> Iterator[None]:
        """``name`` frozen (SIGSTOP to its process group) inside the block: connections are
        accepted and requests queue up, to be served once it goes on (SIGCONT)."""
        process = self.stack.process(name)
        process.signal_group(signal.SIGSTOP)
        try:
            yield
        finally:
            process.signal_group(signal.SIGCONT)

    @contextlib.contextmanager
    def mongodb_hanging(self) -> Iterator[None]:
        """nx-27017 frozen (SIGSTOP) inside the block: it still accepts connections but
        answers nothing, a database that hangs rather than one that is down."""
        pid = int((self.data_dir / "mongodb" / "server.pid").read_text().strip())
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert str(self.data_dir).encode() in command_line, "not this stack's nx-27017"
        os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(pid, signal.SIGCONT)

    def pending_orders(self) -> int:
        """Pending orders in the orders database, whoever they belong to."""
        [(count,)] = self.query("orders", "SELECT count(*) FROM orders WHERE status = 'pending'")
        return int(count)

    def query(self, service: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a read-only query against a service's own database."""
        url = self.database_urls[service].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            return list(conn.execute(sql, params).fetchall())


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _stack_settings(data_dir: Path, databases: dict[str, str]) -> StackSettings:
    return StackSettings(
        data_dir=data_dir, web_concurrency=2, gateway_port=GATEWAY_PORT,
        service_ports=SERVICE_PORTS, mongodb_port=MONGODB_PORT,
        service_database_urls=databases, redis_url=REDIS_URL,
        events_redis_url=f"redis://127.0.0.1:{BROKER_PORT}/0",
        extra_env={"RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "WARNING",
                   "RECONCILE_INTERVAL_SECONDS": str(RECONCILE_INTERVAL_SECONDS),
                   "RECONCILE_GRACE_SECONDS": str(RECONCILE_GRACE_SECONDS),
                   "UPSTREAM_TIMEOUT_SECONDS": str(GATEWAY_TIMEOUT_SECONDS),
                   "BREAKER_RESET_SECONDS": str(BREAKER_RESET_SECONDS)})


@pytest.fixture(scope="module")
def stack() -> Iterator[FailureStack]:
    """The microservices behind the gateway, started once per test module."""
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    databases = {name: fresh_postgres_database(f"failure_{name}")
                 for name in ("users", "orders", "payments")}
    with tempfile.TemporaryDirectory(prefix="shop-failure-") as tmp:
        settings = _stack_settings(Path(tmp), databases)
        log_file = os.environ.get("FAILURE_STACK_LOG") or str(Path(tmp) / "processes.log")
        with open(log_file, "a", buffering=1) as sink:
            broker = replace(embedded_redis(BROKER_PORT, Path(tmp) / "broker"), name="broker")
            running = Stack("failure", [*store_specs(settings), broker],
                            service_specs(settings) + [gateway_spec(settings)],
                            {"gateway": settings.url(GATEWAY_PORT)}, sink)
            with running:
                yield FailureStack(running, settings.url(GATEWAY_PORT), Path(tmp), databases,
                                   settings.admin_email, settings.admin_password)
    store.flushdb()
    store.close()


@pytest.fixture(scope="module")
def api(stack: FailureStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=10.0) as client:
        yield client


def _login(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def admin_headers(stack: FailureStack, api: httpx.Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {_login(api, stack.admin_email, stack.admin_password)}"}


@pytest.fixture(scope="module")
def new_customer(api: httpx.Client) -> Callable[[], Customer]:
    """Registers and signs in a fresh customer."""

    def make() -> Customer:
        email, password = f"failure-{uuid.uuid4().hex[:16]}@example.com", uuid.uuid4().hex
        response = api.post("/api/auth/register",
                            json={"email": email, "password": password, "name": "Failure Test"})
        assert response.status_code == 201, response.text
        return Customer(response.json()["id"], email, password, _login(api, email, password))

    return make


@pytest.fixture(scope="module")
def create_product(api: httpx.Client,
                   admin_headers: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Creates a product through the admin API; keyword arguments override the defaults."""

    def make(**overrides: Any) -> dict[str, Any]:
        sku = f"FT-{uuid.uuid4().hex[:12].upper()}"
        body = {"sku": sku, "name": f"Failure product {sku}", "category": "Failure tests",
                "price_cents": 999, "stock": 100, **overrides}
        response = api.post("/api/products", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture(scope="module")
def fill_cart(api: httpx.Client) -> Callable[..., None]:
    """Sets each product's quantity in the customer's cart (``client``: a thread's own)."""

    def fill(customer: Customer, quantities: dict[str, int],
             client: httpx.Client | None = None) -> None:
        for product_id, quantity in quantities.items():
            response = (client or api).put(f"/api/cart/items/{product_id}",
                                           json={"quantity": quantity},
                                           headers=customer.headers)
            assert response.status_code == 200, response.text

    return fill


@pytest.fixture(scope="module")
def checkout_body() -> Callable[..., dict[str, Any]]:
    def make(*, declined: bool = False) -> dict[str, Any]:
        return {
            "payment": {"card_number": DECLINED_CARD if declined else APPROVED_CARD,
                        "exp_month": 12, "exp_year": time.gmtime().tm_year + 1, "cvc": "123"},
            "shipping_address": {"name": "Ada Lovelace", "line1": "1 Analytical Way",
                                 "city": "London", "postal_code": "N1 9GU", "country": "GB"},
        }

    return make


@pytest.fixture(scope="module")
def orders_of(api: httpx.Client) -> Callable[[Customer], list[dict[str, Any]]]:
    """Every order of the customer (the tests never make more than a page of them)."""

    def orders(customer: Customer) -> list[dict[str, Any]]:
        response = api.get("/api/orders", params={"page_size": 100}, headers=customer.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return list(body["items"])

    return orders


@pytest.fixture(scope="module")
def stock_of(api: httpx.Client) -> Callable[[str], int]:
    def stock(product_id: str) -> int:
        # The catalog's own count: a query string passes the edge's product cache, which
        # hears of the reconciler's releases by event, a moment after they happen.
        response = api.get(f"/api/products/{product_id}", params={"fresh": "1"})
        assert response.status_code == 200, response.text
        return int(response.json()["stock"])

    return stock


@pytest.fixture(scope="module")
def eventually() -> Callable[..., Any]:
    """Polls ``attempt`` until it returns something other than None, or fails after
    ``within`` seconds with the last exception it raised (an assertion, an HTTP error)."""

    def poll(attempt: Callable[[], T | None], *, within: float, what: str,
             every: float = 0.25) -> T:
        deadline = time.monotonic() + within
        last: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                result = attempt()
            except (AssertionError, httpx.HTTPError) as exc:
                last, result = exc, None
            if result is not None:
                return result
            time.sleep(every)
        raise AssertionError(f"not within {within:.0f} s: {what} (last: {last!r})")

    return poll


@pytest.fixture(scope="module")
def request_timed(api: httpx.Client) -> Callable[..., tuple[httpx.Response, float]]:
    """One request through the gateway, and how long its answer took in seconds."""

    def send(method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        response = api.request(method, url, **kwargs)
        return response, time.perf_counter() - started

    return send


@pytest.fixture(scope="module")
def expect_unavailable() -> Callable[[httpx.Response, float], None]:
    """Asserts the contract's 503: problem+json ``unavailable``, ``Retry-After``, in time."""

    def check(response: httpx.Response, seconds: float) -> None:
        where = f"{response.request.method} {response.request.url.path}"
        assert response.status_code == 503, f"{where}: {response.status_code} {response.text}"
        assert response.headers["Content-Type"].startswith("application/problem+json"), where
        body = response.json()
        assert body["type"] == "/problems/unavailable", where
        assert body["status"] == 503 and body["title"] == "Service unavailable", where
        assert int(response.headers["Retry-After"]) >= 1, where
        assert response.headers["X-Served-By"] == "gateway", where
        assert seconds < UNAVAILABLE_WITHIN_SECONDS, f"{where} took {seconds:.2f} s"

    return check
